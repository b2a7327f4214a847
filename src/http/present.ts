// How domain records look on the wire: ISO timestamps, the original field names.
import type { Alarm } from '../domain/alarm.js';
export { diagnosisToJson as presentDiagnosis } from '../domain/diagnosis.js';
import { CHANNELS, readingId, type Reading } from '../domain/reading.js';

export function presentReading(r: Reading): Record<string, unknown> {
  // `id`: the original's clients read one on every reading (see readingId).
  const out: Record<string, unknown> = { id: readingId(r.well_id, r.ts), well_id: r.well_id, timestamp: new Date(r.ts).toISOString() };
  for (const c of CHANNELS) out[c] = r[c];
  return out;
}

export function presentAlarm(a: Alarm): Alarm {
  return a;
}

const csvCell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export const CSV_HEADER = ['well_id', 'timestamp', ...CHANNELS].join(',') + '\n';

export function readingsToCsv(rows: Reading[]): string {
  let s = '';
  for (const r of rows) {
    s += r.well_id + ',' + new Date(r.ts).toISOString();
    for (const c of CHANNELS) s += ',' + csvCell(r[c]);
    s += '\n';
  }
  return s;
}
