// How domain records look on the wire: ISO timestamps, the original field names.
import type { Alarm } from '../domain/alarm.js';
export { diagnosisToJson as presentDiagnosis } from '../domain/diagnosis.js';
import { CHANNELS, readingId, type ChannelValues, type Reading } from '../domain/reading.js';
import type { WireReading } from './schemas/telemetry.js';

export function presentReading(r: Reading): WireReading {
  // `id`: the original's clients read one on every reading (see readingId).
  const channels = Object.fromEntries(CHANNELS.map((c) => [c, r[c]])) as ChannelValues;
  return { id: readingId(r.well_id, r.ts), well_id: r.well_id, timestamp: new Date(r.ts).toISOString(), ...channels };
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
