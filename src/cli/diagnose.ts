// `esp diagnose --well well.json readings.csv [--json] [--baseline baseline.json]`: run the engine on a file.
// CSV needs a header with `timestamp` (ISO or epoch ms) and any channel columns; NDJSON/JSON arrays also work.
import { readFile } from 'node:fs/promises';
import type { Diagnosis } from '../domain/diagnosis.js';
import { CHANNELS, type Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { explain, isBaseline, type Baseline } from '../diagnostics/index.js';

const USAGE = 'usage: esp diagnose [--well well.json] [--baseline baseline.json] [--json] <readings.csv|readings.ndjson>';

function parseTs(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v ?? '').trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  return Date.parse(s);
}

function toReading(o: Record<string, unknown>, line: number): Reading {
  const ts = parseTs(o.timestamp ?? o.ts);
  if (!Number.isFinite(ts)) throw new Error(`line ${line}: bad or missing timestamp`);
  const r = { well_id: String(o.well_id ?? 'WELL'), ts } as Reading;
  for (const c of CHANNELS) {
    const v = o[c];
    const n = v === '' || v === null || v === undefined ? NaN : Number(v);
    r[c] = Number.isFinite(n) ? n : null;
  }
  return r;
}

export function parseReadings(text: string): Reading[] {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('[')) return (JSON.parse(t) as Record<string, unknown>[]).map((o, i) => toReading(o, i + 1));
  if (t.startsWith('{')) return t.split(/\r?\n/).filter((l) => l.trim()).map((l, i) => toReading(JSON.parse(l) as Record<string, unknown>, i + 1));
  const lines = t.split(/\r?\n/);
  const head = lines[0].split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  if (!head.includes('timestamp') && !head.includes('ts')) throw new Error('CSV header needs a timestamp column');
  const out: Reading[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const cells = lines[i].split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const o: Record<string, unknown> = {};
    head.forEach((h, k) => (o[h] = cells[k]));
    out.push(toReading(o, i + 1));
  }
  return out;
}

export function formatDiagnosis(d: Diagnosis, scores: { code: string; score: number }[] = []): string {
  const lines = [
    `${d.diagnosis}  (category ${d.category}, severity ${d.severity}, confidence ${(d.confidence * 100).toFixed(0)} %)`,
    `at ${new Date(d.ts).toISOString()}`,
    d.summary ? `\n${d.summary}` : '',
    '\nEvidence:',
    ...d.evidence.map((e) => {
      const parts = [`observed ${e.observed ?? '–'}`];
      if (e.baseline != null) parts.push(`baseline ${e.baseline}`);
      if (e.limit != null) parts.push(`limit ${e.limit}`);
      return `  - [${e.rule}] ${e.channel}: ${parts.join(', ')}${e.note ? `\n      ${e.note}` : ''}`;
    }),
    '\nActions:',
    ...d.actions.map((a) => `  - ${a}`),
    `\nEstimated time to resolve: ${d.resolution_time}`,
  ];
  if (scores.length) lines.push('\nSignature scores (fires at ≥ 0.5):', ...scores.slice(0, 5).map((s) => `  ${s.code.padEnd(18)} ${s.score.toFixed(2)}`));
  return lines.filter((l) => l !== '').join('\n');
}

export async function runDiagnose(argv: string[]): Promise<number> {
  let wellPath: string | null = null;
  let baselinePath: string | null = null;
  let json = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--well') wellPath = argv[++i] ?? null;
    else if (a === '--baseline') baselinePath = argv[++i] ?? null;
    else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('--')) {
      console.error(`unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  try {
    const well: Partial<WellNameplate> = wellPath ? (JSON.parse(await readFile(wellPath, 'utf8')) as Partial<WellNameplate>) : {};
    let baseline: Baseline | null = null;
    if (baselinePath) {
      const b: unknown = JSON.parse(await readFile(baselinePath, 'utf8'));
      if (!isBaseline(b)) throw new Error(`${baselinePath} is not a baseline (version 1)`);
      baseline = b;
    }
    const readings = parseReadings(await readFile(files[0], 'utf8'));
    const x = explain(well, readings, { baseline, now: Date.now() });
    if (json) console.log(JSON.stringify({ ...x.diagnosis, scores: x.scores, baseline: x.baseline }, null, 2));
    else {
      console.log(`${readings.length} readings${wellPath ? '' : ', no nameplate'}${x.baseline ? (baselinePath ? ', stored baseline' : ', baseline learned from the early part of the file') : ', no baseline'}\n`);
      console.log(formatDiagnosis(x.diagnosis, x.scores));
    }
    return 0;
  } catch (e) {
    console.error(`esp diagnose: ${(e as Error).message}`);
    return 1;
  }
}
