// Validation of readings and nameplates: one TypeBox schema gives the types, the HTTP validation and the
// OpenAPI spec; the same compiled validator serves MQTT and file import so every transport rejects alike.
import { Type, type Static, type TSchema } from 'typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CHANNELS, CHANNEL_SPECS, WELL_ID_PATTERN, type Channel, type Reading } from './reading.js';
import type { FieldError } from './errors.js';
import { parseCanonicalTimestamp } from './timestamp.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A nullable number with physical bounds; `type: [number, null]` keeps Ajv's errors to one per field. */
function nullableNumber(min: number, max: number | undefined, description: string) {
  return Type.Unsafe<number | null>({
    type: ['number', 'null'],
    minimum: min,
    ...(max === undefined ? {} : { maximum: max }),
    description,
  });
}

const channelProps = Object.fromEntries(
  CHANNELS.map((c) => {
    const s = CHANNEL_SPECS[c];
    return [c, Type.Optional(nullableNumber(s.min, s.max, `${s.description} (${s.unit})`))];
  }),
) as { [K in Channel]: ReturnType<typeof Type.Optional<ReturnType<typeof nullableNumber>>> };

export const WellIdSchema = Type.String({
  pattern: WELL_ID_PATTERN.source,
  minLength: 1,
  maxLength: 64,
  description: '1–64 letters, digits, "-", "_" or "."',
});

export const TimestampSchema = Type.Unsafe<string | number>({
  anyOf: [
    { type: 'string', format: 'date-time' },
    { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 },
  ],
  description: 'ISO 8601 with zone, or epoch milliseconds; default now',
});

export const ReadingInputSchema = Type.Object(
  {
    well_id: WellIdSchema,
    timestamp: Type.Optional(TimestampSchema),
    ...channelProps,
    // A reading as this platform (and the original) serves it carries its `id`; sent back, it is ignored: the id
    // follows from well_id and timestamp.
    id: Type.Optional(Type.Unsafe<number | null>({ type: ['integer', 'null'], description: 'ignored (the id of a reading as served)' })),
  },
  { additionalProperties: false },
);
export type ReadingInput = Static<typeof ReadingInputSchema>;

const nameplateNumber = (description: string) =>
  Type.Optional(Type.Unsafe<number | null>({ type: ['number', 'null'], minimum: 0, maximum: 1e7, description }));

export const NameplateSchema = Type.Object(
  {
    name: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 200 })),
    field: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 200 })),
    rated_flow_bpd: nameplateNumber('pump flow at best efficiency, at base frequency (bbl/day)'),
    min_flow_bpd: nameplateNumber('recommended minimum flow at base frequency (default 0.7 × rated)'),
    max_flow_bpd: nameplateNumber('recommended maximum flow at base frequency (default 1.25 × rated)'),
    rated_current_a: nameplateNumber('motor nameplate amps'),
    base_frequency_hz: Type.Optional(
      Type.Unsafe<number | null>({ type: ['number', 'null'], minimum: 1, maximum: 120, description: '60 or 50' }),
    ),
    motor_temp_limit_c: nameplateNumber('motor winding temperature limit (°C, default 150)'),
    bubble_point_psi: nameplateNumber('bubble point pressure (psi)'),
    vibration_limit_g: nameplateNumber('vibration limit (g RMS, default 2.0)'),
  },
  { additionalProperties: false },
);
export type NameplateInput = Static<typeof NameplateSchema>;

export const WellInputSchema = Type.Object(
  { well_id: WellIdSchema, ...NameplateSchema.properties },
  { additionalProperties: false },
);
export type WellInput = Static<typeof WellInputSchema>;

/** Ajv for request bodies and device payloads: strict types (no coercion), every error reported. */
export function createBodyAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: false, strict: false, useDefaults: false });
  addFormats(ajv);
  // The canonical form is checked from its characters; anything else by ajv-formats' own RFC 3339 check.
  const general = (ajv.formats['date-time'] as { validate: (s: string) => boolean }).validate;
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(parseCanonicalTimestamp(s)) || general(s) });
  return ajv;
}

/** Ajv for query strings and path params: coerces "24" to 24 as a query string must. */
export function createParamsAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', strict: false, useDefaults: true, removeAdditional: true });
  addFormats(ajv);
  return ajv;
}

const REASONS: Record<string, (e: ErrorObject) => string> = {
  type: (e) => `must be ${String((e.params as { type: string | string[] }).type).replace(',', ' or ')}`,
  minimum: (e) => `must be >= ${(e.params as { limit: number }).limit} (impossible value)`,
  maximum: (e) => `must be <= ${(e.params as { limit: number }).limit} (impossible value)`,
  exclusiveMinimum: (e) => `must be > ${(e.params as { limit: number }).limit}`,
  pattern: () => 'has invalid characters or length (1–64 of letters, digits, "-", "_", ".")',
  minLength: (e) => `must have at least ${(e.params as { limit: number }).limit} characters`,
  maxLength: (e) => `must have at most ${(e.params as { limit: number }).limit} characters`,
  format: (e) => `must be a ${(e.params as { format: string }).format}`,
  anyOf: () => 'does not match any allowed form',
  maxItems: (e) => `must have at most ${(e.params as { limit: number }).limit} items`,
  minItems: (e) => `must have at least ${(e.params as { limit: number }).limit} items`,
  enum: (e) => `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`,
};

/** `/readings/3/flow_rate` → `readings[3].flow_rate`; prefix names the request part. */
function toFieldPath(instancePath: string, prefix: string): { field: string; index?: number } {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = prefix;
  let index: number | undefined;
  for (const p of parts) {
    if (/^\d+$/.test(p)) {
      field += `[${p}]`;
      if (index === undefined) index = Number(p);
    } else field += field ? `.${p}` : p;
  }
  return { field, index };
}

/** Turns Ajv errors into one clear {field, reason} per offending field. */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  if (!errors) return [];
  const out = new Map<string, FieldError>();
  for (const e of errors) {
    let { field, index } = toFieldPath(e.instancePath, prefix);
    let reason: string;
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      field = field ? `${field}.${missing}` : missing;
      reason = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      field = field ? `${field}.${extra}` : extra;
      reason = 'is not a known field';
    } else if (/(^|\.|\])timestamp$/.test(field)) {
      reason = 'must be an ISO 8601 date-time with zone, or epoch milliseconds';
    } else {
      reason = (REASONS[e.keyword] ?? ((x: ErrorObject) => x.message ?? 'is invalid'))(e);
    }
    if (!out.has(field)) out.set(field, index === undefined ? { field, reason } : { field, reason, index });
  }
  return [...out.values()];
}

export interface ReadingCheckOptions {
  now: number;
  maxFutureSkewMs: number;
  retentionMs: number;
}

/**
 * Turns a schema-valid input into a Reading: timestamp to epoch ms, absent channels to null.
 * Returns the reason when the timestamp is outside what the platform can keep.
 */
export function toReading(input: ReadingInput, opts: ReadingCheckOptions): Reading | string {
  let ts: number;
  if (input.timestamp === undefined) ts = opts.now;
  else if (typeof input.timestamp === 'number') ts = input.timestamp;
  else {
    ts = parseCanonicalTimestamp(input.timestamp);
    if (Number.isNaN(ts)) ts = Date.parse(input.timestamp);
    if (Number.isNaN(ts)) return 'must be an ISO 8601 date-time with zone, or epoch milliseconds';
  }
  if (ts > opts.now + opts.maxFutureSkewMs) return 'is in the future (check the gateway clock)';
  if (ts < opts.now - opts.retentionMs) return 'is older than the retention period';
  const r = { well_id: input.well_id, ts } as Reading;
  const src = input as Record<string, unknown>;
  for (const c of CHANNELS) {
    const v = src[c];
    r[c] = typeof v === 'number' ? v : null;
  }
  return r;
}

export interface ReadingsParseResult {
  readings: Reading[];
  errors: FieldError[];
  /** Item index of each reading. */
  indices: number[];
  /** Whether each reading's item carried its own timestamp. */
  timed: boolean[];
}

/**
 * Validates raw items (already JSON-parsed) against the reading schema and converts the valid ones.
 * `prefix(i)` names item i in error paths, e.g. `readings[3]`.
 */
export class ReadingValidator {
  private readonly validate: ValidateFunction;
  constructor(ajv: Ajv = createBodyAjv()) {
    this.validate = ajv.compile(ReadingInputSchema as TSchema);
  }

  /** `schemaChecked`: the items already passed the schema (e.g. the HTTP layer validated the body). */
  check(
    items: unknown[],
    opts: ReadingCheckOptions,
    prefix: (i: number) => string,
    schemaChecked = false,
  ): ReadingsParseResult {
    const readings: Reading[] = [];
    const errors: FieldError[] = [];
    const indices: number[] = [];
    const timed: boolean[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!schemaChecked && !this.validate(item)) {
        for (const e of formatAjvErrors(this.validate.errors, prefix(i))) errors.push({ ...e, index: i });
        continue;
      }
      const r = toReading(item as ReadingInput, opts);
      if (typeof r === 'string') errors.push({ field: `${prefix(i)}.timestamp`.replace(/^\./, ''), reason: r, index: i });
      else {
        readings.push(r);
        indices.push(i);
        timed.push((item as ReadingInput).timestamp !== undefined);
      }
    }
    return { readings, errors, indices, timed };
  }
}


function sameChannels(a: Reading, b: Reading): boolean {
  for (const c of CHANNELS) if (a[c] !== b[c]) return false;
  return true;
}

export interface DistinctReadings {
  /** The readings with exact repeats removed (first of each kept, in order). */
  readings: Reading[];
  /** Exact repeats removed: they count as duplicates. */
  repeats: number;
  /** Readings of one request that contradict each other; empty when the request is acceptable. */
  errors: FieldError[];
}

/**
 * Within one request a well and timestamp name one reading: two with other values contradict each other (which
 * one is true cannot be known, so the request is refused naming both), and several readings of one well
 * without a timestamp would all get the same arrival time. Exact repeats are harmless and dropped.
 * `readings[i]` came from item `indices[i]`; `timed[i]` says whether it carried its own timestamp.
 */
export function distinctReadings(readings: Reading[], indices: number[], timed: boolean[], prefix: (i: number) => string): DistinctReadings {
  const errors: FieldError[] = [];
  const first = new Map<string, number>();
  const untimed = new Map<string, number>();
  const kept: Reading[] = [];
  let repeats = 0;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i];
    if (!timed[i]) {
      const before = untimed.get(r.well_id);
      if (before !== undefined) {
        errors.push({
          field: `${prefix(indices[i])}.timestamp`,
          reason: `is required: ${prefix(indices[before])} is also of well ${r.well_id} without a timestamp, and both would be stored at the same arrival time`,
          index: indices[i],
        });
        continue;
      }
      untimed.set(r.well_id, i);
    }
    const key = `${r.well_id}\u0001${r.ts}`;
    const j = first.get(key);
    if (j === undefined) {
      first.set(key, i);
      kept.push(r);
    } else if (sameChannels(readings[j], r)) repeats++;
    else {
      errors.push({
        field: `${prefix(indices[i])}.timestamp`,
        reason: `repeats the well and timestamp of ${prefix(indices[j])} with other values (readings[${indices[j]}] and readings[${indices[i]}] contradict each other)`,
        index: indices[i],
      });
    }
  }
  return { readings: kept, repeats, errors };
}
