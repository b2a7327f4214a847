// Query-string helpers shared by the routes: time ranges and bucket intervals.
import { Type } from 'typebox';
import { ValidationError } from '../domain/errors.js';
import { WellIdSchema } from '../domain/validation.js';

export const WellParams = Type.Object({ id: WellIdSchema });

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30s`, `5m`, `1h`, `1d` → seconds. */
export function parseInterval(value: string): number {
  const m = /^(\d{1,6})\s*(s|m|h|d)$/i.exec(value.trim());
  if (!m || Number(m[1]) === 0) {
    throw new ValidationError('Invalid interval', [
      { field: 'interval', reason: 'must look like 30s, 5m, 1h or 1d (a positive number and a unit)' },
    ]);
  }
  return Number(m[1]) * UNIT_SECONDS[m[2].toLowerCase()];
}

/** Instants that ISO 8601 text and the database both represent: years 0001 to 9999. */
const MIN_INSTANT_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_INSTANT_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function parseInstant(value: string, field: string): number {
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : /^\d+$/.test(value) ? NaN : Date.parse(value);
  if (Number.isFinite(ms) && (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS)) {
    throw new ValidationError(`Invalid ${field}`, [{ field, reason: 'must be between years 0001 and 9999' }]);
  }
  if (!Number.isFinite(ms) || (!/^\d+$/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(value) && !/^\d{4}-\d{2}-\d{2}$/.test(value))) {
    throw new ValidationError(`Invalid ${field}`, [
      { field, reason: 'must be an ISO 8601 date-time with zone (or a date, or epoch milliseconds)' },
    ]);
  }
  return ms;
}

export interface RangeQuery {
  hours?: number;
  from?: string;
  to?: string;
}

/** `from`/`to` when given, else the last `hours` (default 24) up to now. */
export function resolveRange(q: RangeQuery, now = Date.now(), defaultHours = 24): { from: number; to: number; hours: number } {
  const to = q.to !== undefined ? parseInstant(q.to, 'to') : now + 1;
  const hours = q.hours ?? defaultHours;
  const from = q.from !== undefined ? parseInstant(q.from, 'from') : Math.max(MIN_INSTANT_MS, to - hours * 3_600_000);
  if (from >= to) throw new ValidationError('Invalid range', [{ field: 'from', reason: 'must be before to' }]);
  return { from, to, hours: Math.round(((to - from) / 3_600_000) * 1000) / 1000 };
}

export const RangeQuerySchema = {
  hours: Type.Optional(Type.Number({ minimum: 0.001, maximum: 24 * 3660, description: 'look-back window (default 24)' })),
  from: Type.Optional(Type.String({ maxLength: 64, description: 'start, ISO 8601 with zone (overrides hours)' })),
  to: Type.Optional(Type.String({ maxLength: 64, description: 'end, ISO 8601 with zone (default now)' })),
};
