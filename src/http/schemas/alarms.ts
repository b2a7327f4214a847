// Alarms as served.
import { Type } from 'typebox';
import { ALARM_STATUSES } from '../../domain/alarm.js';
import { SEVERITIES } from '../../domain/diagnosis.js';
import { WellIdSchema } from '../../domain/validation.js';
import { IsoTime, literals, NullableIsoTime, NullableString } from './common.js';
import { EvidenceSchema } from './diagnostics.js';

export const AlarmSchema = Type.Object({
  id: Type.Integer(),
  well_id: Type.String(),
  code: Type.String({ description: 'the diagnosis code that raised it' }),
  severity: literals(SEVERITIES),
  status: literals(ALARM_STATUSES),
  message: Type.String(),
  evidence: Type.Array(EvidenceSchema),
  raised_at: IsoTime,
  reading_ts: IsoTime,
  acknowledged_at: NullableIsoTime(),
  acknowledged_by: NullableString(),
  ack_note: NullableString(),
  cleared_at: NullableIsoTime(),
});

export const AlarmListResponse = Type.Object({ success: Type.Boolean(), count: Type.Integer(), alarms: Type.Array(AlarmSchema) });
export const AlarmResponse = Type.Object({ success: Type.Boolean(), alarm: AlarmSchema });

// ---- requests: filters, alarm id, acknowledgement

export const AlarmListQuery = Type.Object({
  status: Type.Optional(Type.Union(ALARM_STATUSES.map((s) => Type.Literal(s)))),
  severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
  well_id: Type.Optional(WellIdSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 200 })),
});
export const AlarmIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export const AckBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
