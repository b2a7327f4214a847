// Bulk import result, refused device messages, ingest counters.
import { Type } from 'typebox';
import { WellIdSchema } from '../../domain/validation.js';
import { IsoTime, NullableString, OpenObject } from './common.js';

export const ImportResponse = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer({ description: 'valid readings committed: inserted + duplicates + conflicts' }),
  inserted: Type.Integer({ description: 'readings written as new rows' }),
  duplicates: Type.Integer({ description: 'readings already stored (or repeated in the file) with the same values' }),
  conflicts: Type.Integer({ description: 'readings whose well and timestamp are stored with other values: the stored reading is kept' }),
  rejected: Type.Integer(),
  rejected_samples: Type.Array(Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() })),
  duration_ms: Type.Number(),
});

export const RejectedMessageSchema = Type.Object({
  id: Type.Integer(),
  transport: Type.String(),
  source: NullableString('topic or client'),
  reason: Type.String(),
  payload: NullableString('the message as received (truncated)'),
  received_at: IsoTime,
});

export const RejectedResponse = Type.Object({ success: Type.Boolean(), count: Type.Integer(), rejected: Type.Array(RejectedMessageSchema) });

const TransportCounters = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  inserted: Type.Integer(),
  duplicates: Type.Integer(),
  conflicts: Type.Integer(),
});

export const IngestStatsResponse = Type.Object({
  success: Type.Boolean(),
  transports: Type.Object({ http: TransportCounters, mqtt: TransportCounters, import: TransportCounters }),
  rejected_by_reason: OpenObject('refused readings or messages per reason'),
  mqtt: OpenObject('MQTT connection and flow counters'),
  broker: OpenObject('counters the broker reports ($SYS), null where unknown'),
  pipeline: OpenObject('the commit queue: depth, queued, in flight, committed and failed batches'),
});

// ---- requests: refused messages

export const RejectedQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

// ---- requests: bulk import

export const ImportQuery = Type.Object({
  well_id: Type.Optional(WellIdSchema),
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')])),
});
