// `esp diagnose [--well well.json] [--rated-flow-bpd N …] readings.csv [--json] [--baseline baseline.json]`: run
// the engine on a file. CSV needs a header with `timestamp` (ISO or epoch ms) and any channel columns;
// NDJSON/JSON arrays also work.
import { readFile } from 'node:fs/promises';
import type { Diagnosis } from '../domain/diagnosis.js';
import { CHANNELS, CHANNEL_SPECS, type Reading } from '../domain/reading.js';
import type { ChannelTrend, Forecast } from '../domain/surveillance.js';
import { NAMEPLATE_FIELDS, NUMERIC_NAMEPLATE_FIELDS, type WellNameplate } from '../domain/well.js';
import { NameplateSchema } from '../domain/validation.js';
import { diagnoseHistory, explain, forecastWell, isBaseline, type Baseline } from '../diagnostics/index.js';

/** A file spanning at least this long is also judged for slow degradation (trends against the reference). */
const LONG_FILE_MS = 3 * 86_400_000;

type NumericField = (typeof NUMERIC_NAMEPLATE_FIELDS)[number];
const flagOf = (f: string) => `--${f.replace(/_/g, '-')}`;
const describe = (f: NumericField) => (NameplateSchema.properties[f] as { description?: string }).description ?? '';

const USAGE = `usage: esp diagnose [--well well.json] [nameplate flags] [--baseline baseline.json] [--horizon-days 30] [--reference-from ISO --reference-to ISO] [--json] <readings.csv|readings.ndjson>

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

--baseline baseline.json: a stored baseline (version 1) instead of learning one from the file.

A file spanning 3 days or more is also judged for slow degradation: the reference (the first settled healthy
days, or --reference-from/--reference-to), the trend of each frequency-normalised channel (Theil–Sen slope per
day, Mann–Kendall significance), and the forecast: time to each limit within --horizon-days (default 30).`;

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

function fmt(x: number | null, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(digits)).toString();
}

export function formatTrends(trends: ChannelTrend[]): string {
  if (!trends.length) return 'Trends: not enough running data (at least 5 daily aggregates over 3 days)';
  const lines = ['Trends (daily medians of frequency-normalised channels; Theil–Sen slope, 95 % interval, Mann–Kendall p):'];
  lines.push(`  ${'channel'.padEnd(14)}${'now'.padStart(10)}${'reference'.padStart(11)}${'change'.padStart(9)}${'slope/day'.padStart(12)}  ${'interval'.padEnd(22)}${'p'.padStart(9)}  days`);
  for (const t of trends) {
    const ch = t.change_since_reference === null ? '–' : `${(t.change_since_reference * 100).toFixed(1)}%`;
    lines.push(
      `  ${(t.channel + (t.significant ? ' *' : '')).padEnd(14)}${fmt(t.value_now).padStart(10)}${fmt(t.reference_value).padStart(11)}${ch.padStart(9)}${fmt(t.slope_per_day).padStart(12)}  ${`[${fmt(t.slope_per_day_low)}, ${fmt(t.slope_per_day_high)}]`.padEnd(22)}${(t.p_value < 1e-4 ? t.p_value.toExponential(1) : t.p_value.toFixed(4)).padStart(9)}  ${t.days}`,
    );
  }
  lines.push('  (* significant)');
  return lines.join('\n');
}

export function formatForecast(f: Forecast): string {
  const lines = [`Forecast (${f.horizon_days} days):`];
  if (!f.channels.length && !f.warnings.length) return `${lines[0]} no significant trend heading towards a limit`;
  for (const c of f.channels) {
    const tl = c.time_to_limit_days === null ? `beyond ${f.horizon_days} days` : `${c.time_to_limit_days} days [${c.time_to_limit_low_days ?? '–'}, ${c.time_to_limit_high_days ?? '–'}]`;
    lines.push(`  ${c.channel.padEnd(14)} ${fmt(c.value_now)} → limit ${fmt(c.limit)} (${c.limit_source}), ${c.model}, ${fmt(c.slope_per_day)}/day: time to limit ${tl}`);
  }
  if (f.warnings.length) {
    lines.push('Warnings:');
    for (const w of f.warnings) lines.push(`  - ${w.code} (${w.channel}) expected ${w.expected_at.slice(0, 10)}, in ${w.lead_days} days, confidence ${(w.confidence * 100).toFixed(0)} %: ${w.message}`);
  }
  return lines.join('\n');
}

export async function runDiagnose(argv: string[]): Promise<number> {
  let wellPath: string | null = null;
  let baselinePath: string | null = null;
  let json = false;
  let horizon = 30;
  let refFrom: string | null = null;
  let refTo: string | null = null;
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
    else if (a === '--horizon-days') {
      horizon = Number(argv[++i]);
      if (!Number.isInteger(horizon) || horizon < 1 || horizon > 365) {
        console.error('--horizon-days must be an integer from 1 to 365');
        return 2;
      }
    } else if (a === '--reference-from') refFrom = argv[++i] ?? null;
    else if (a === '--reference-to') refTo = argv[++i] ?? null;
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
    if ((refFrom === null) !== (refTo === null)) throw new Error('--reference-from and --reference-to go together');
    if (refFrom !== null && (!Number.isFinite(Date.parse(refFrom)) || !Number.isFinite(Date.parse(refTo!)) || Date.parse(refTo!) <= Date.parse(refFrom))) {
      throw new Error('--reference-from/--reference-to must be ISO timestamps with from < to');
    }
    const readings = parseReadings(await readFile(files[0], 'utf8'));
    const x = explain(well, readings, { baseline, now: Date.now() });
    const span = readings.length ? Math.max(...readings.map((r) => r.ts)) - Math.min(...readings.map((r) => r.ts)) : 0;
    const reference = refFrom !== null ? { from: refFrom, to: refTo! } : undefined;
    // Weeks of data: the slow judgement against the reference may say more than the acute engine on the file.
    const long = span >= LONG_FILE_MS ? diagnoseHistory(well, readings, { baseline: baseline ?? undefined, reference }) : null;
    const diagnosis = long && long.diagnosis.diagnosis !== long.acute.diagnosis ? long.diagnosis : x.diagnosis;
    const wellId = readings[0]?.well_id ?? 'WELL';
    const forecast = forecastWell(well, readings, { horizonDays: horizon, reference, wellId });
    // As on the API: `diagnosis` is the original platform's category, `code` the detailed one.
    if (json) console.log(JSON.stringify({ ...diagnosis, diagnosis: diagnosis.category, code: diagnosis.diagnosis, nameplate: well, scores: x.scores, baseline: x.baseline, reference: long?.reference ?? null, trends: long?.trends ?? [], forecast }, null, 2));
    else {
      console.log(`${readings.length} readings${hasNameplate ? '' : ', no nameplate'}${x.baseline ? (baselinePath ? ', stored baseline' : ', baseline learned from the early part of the file') : ', no baseline'}\n`);
      console.log(formatDiagnosis(diagnosis, diagnosis === x.diagnosis ? x.scores : []));
      if (long) {
        const ref = long.reference;
        console.log(`\nReference: ${ref ? `${ref.period.from} → ${ref.period.to} (${ref.period.source}, ${ref.buckets} aggregates)` : 'none (too little settled running data)'}`);
        console.log(formatTrends(long.trends));
      } else console.log('\nTrends: the file spans less than 3 days');
      console.log(`\n${formatForecast(forecast)}`);
    }
    return 0;
  } catch (e) {
    console.error(`esp diagnose: ${(e as Error).message}`);
    return 1;
  }
}
