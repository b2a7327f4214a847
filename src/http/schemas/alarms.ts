// Alarms as served.
import { Type } from 'typebox';
import { ALARM_STATUSES } from '../../domain/alarm.js';
import { SEVERITIES } from '../../domain/diagnosis.js';
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
