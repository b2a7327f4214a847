// `esp diagnose [--well well.json] [--rated-flow-bpd N …] readings.csv [--json] [--baseline baseline.json]`: run
// the engine on a file. CSV needs a header with `timestamp` (ISO or epoch ms) and any channel columns;
// NDJSON/JSON arrays also work.
import { readFile } from 'node:fs/promises';
import type { Diagnosis } from '../domain/diagnosis.js';
import { CHANNELS, CHANNEL_SPECS, type Reading } from '../domain/reading.js';
import { NAMEPLATE_FIELDS, NUMERIC_NAMEPLATE_FIELDS, type WellNameplate } from '../domain/well.js';
import { NameplateSchema } from '../domain/validation.js';
import { explain, isBaseline, type Baseline } from '../diagnostics/index.js';

type NumericField = (typeof NUMERIC_NAMEPLATE_FIELDS)[number];
const flagOf = (f: string) => `--${f.replace(/_/g, '-')}`;
const describe = (f: NumericField) => (NameplateSchema.properties[f] as { description?: string }).description ?? '';

const USAGE = `usage: esp diagnose [--well well.json] [nameplate flags] [--baseline baseline.json] [--json] <readings.csv|readings.ndjson>

Diagnoses a file of one well's readings offline, with the same engine as the server, and prints the diagnosis,
its evidence, the actions and the signature scores (--json: the same as JSON).

readings: CSV with a header row naming a timestamp column (ISO 8601 or epoch ms) and any of the channels
  ${CHANNELS.join(', ')}
  (units: ${CHANNELS.map((c) => `${c} ${CHANNEL_SPECS[c].unit}`).join(', ')}),
  or NDJSON / a JSON array of objects with the same names.

--well well.json: the well's nameplate, a JSON object with any of these fields (all optional; the same as
  PUT /api/v1/wells/{id} takes, so a well fetched from GET /api/v1/wells/{id} works as is, its other fields ignored):
${NUMERIC_NAMEPLATE_FIELDS.map((f) => `    ${f.padEnd(20)} ${describe(f)}`).join('\n')}
  e.g. {"rated_flow_bpd": 2000, "rated_current_a": 55, "base_frequency_hz": 60, "bubble_point_psi": 900}
  Without a nameplate the engine uses the baseline it learns from the early part of the file and generic limits.

nameplate flags: the same fields as options, overriding the file: ${NUMERIC_NAMEPLATE_FIELDS.map((f) => `${flagOf(f)} N`).join(', ')}

--baseline baseline.json: a stored baseline (version 1) instead of learning one from the file.`;

/** The nameplate fields of a well file; anything else in it (well_id, timestamps, status…) is ignored. */
export function nameplateFrom(o: unknown, source: string): Partial<WellNameplate> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${source} must be a JSON object of nameplate fields (see esp diagnose --help)`);
  // A well as GET /api/v1/wells/{id} answers it is wrapped in {well: …}.
  const src = ('well' in o && typeof (o as { well: unknown }).well === 'object' ? (o as { well: object }).well : o) as Record<string, unknown>;
  const out: Partial<WellNameplate> = {};
  for (const f of NAMEPLATE_FIELDS) {
    const v = src[f];
    if (v === undefined || v === null) continue;
    if (f === 'name' || f === 'field') out[f] = String(v);
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${source}: ${f} must be a non-negative number, got ${JSON.stringify(v)}`);
    else out[f] = v;
  }
  return out;
}

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
  const flags: Partial<WellNameplate> = {};
  const byFlag = new Map(NUMERIC_NAMEPLATE_FIELDS.map((f) => [flagOf(f), f]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const field = byFlag.get(a);
    if (field) {
      const v = Number(argv[++i]);
      if (argv[i] === undefined || !Number.isFinite(v) || v < 0) {
        console.error(`esp diagnose: ${a} needs a non-negative number`);
        return 2;
      }
      flags[field] = v;
    } else if (a === '--well') wellPath = argv[++i] ?? null;
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
    const fromFile = wellPath ? nameplateFrom(JSON.parse(await readFile(wellPath, 'utf8')), wellPath) : {};
    const well: Partial<WellNameplate> = { ...fromFile, ...flags };
    const hasNameplate = NUMERIC_NAMEPLATE_FIELDS.some((f) => well[f] != null);
    let baseline: Baseline | null = null;
    if (baselinePath) {
      const b: unknown = JSON.parse(await readFile(baselinePath, 'utf8'));
      if (!isBaseline(b)) throw new Error(`${baselinePath} is not a baseline (version 1)`);
      baseline = b;
    }
    const readings = parseReadings(await readFile(files[0], 'utf8'));
    const x = explain(well, readings, { baseline, now: Date.now() });
    // As on the API: `diagnosis` is the original platform's category, `code` the detailed one.
    if (json) console.log(JSON.stringify({ ...x.diagnosis, diagnosis: x.diagnosis.category, code: x.diagnosis.diagnosis, nameplate: well, scores: x.scores, baseline: x.baseline }, null, 2));
    else {
      console.log(`${readings.length} readings${hasNameplate ? '' : ', no nameplate'}${x.baseline ? (baselinePath ? ', stored baseline' : ', baseline learned from the early part of the file') : ', no baseline'}\n`);
      console.log(formatDiagnosis(x.diagnosis, x.scores));
    }
    return 0;
  } catch (e) {
    console.error(`esp diagnose: ${(e as Error).message}`);
    return 1;
  }
}
