// Conversions between the values the repositories hand out (epoch ms, ISO strings) and what the two engines
// return for timestamptz and numeric columns (Date objects or strings).

export const DAY_MS = 86_400_000;

/** Epoch ms as ISO 8601 UTC, as the SQL takes timestamptz parameters. */
export const iso = (ms: number): string => new Date(ms).toISOString();
/** A timestamptz column as ISO 8601 UTC. */
export const toIso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
export const toIsoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : toIso(v));
/** A timestamptz column as epoch ms. */
export const toMs = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));
/** A nullable numeric column as a number or null. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
