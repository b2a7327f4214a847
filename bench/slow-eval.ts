// Slow degradation and early warning on simulated wells (issue 13, part of `npm run eval`):
// (a) slow classes on 60 days of hourly history, onset 10–50 days before the end, backfilled in shuffled batches
//     with 2 % of readings dropped, judged by diagnoseHistory() as analyze-latest does: F1 of PUMP_WEAR and SCALE
//     against healthy wells, low-flow wells, old tubing leaks and drifting wells;
// (b) forecast backtest: wells drifting toward a limit (linear motor-temperature creep, exponential vibration
//     growth, current creep; operator speed steps mixed in) and healthy wells: the right channel's time to limit
//     within 35 % (or 3 days) of the truth, and no warning on healthy wells;
// (c) run-to-failure wells: forecasts every day; lead time of the first warning before the failure, event recall,
//     false warnings per healthy well per 90 days.
import type { Channel, Reading } from '../src/domain/reading.js';
import type { WellNameplate } from '../src/domain/well.js';
import { computeTrends, diagnoseHistory, forecastWell } from '../src/diagnostics/index.js';
import { generateLongScenario, Rng, type LongKind } from '../src/simulator/index.js';

const HOUR = 3_600_000;
const VERBOSE = process.argv.includes('--verbose');
const DAY = 24 * HOUR;

export interface SlowEvalOptions {
  seed: number;
  perClass: number;
  backtestPerKind: number;
  healthy: number;
  runToFailure: number;
}

export interface SlowEvalResult {
  lines: string[];
  ok: boolean;
}

/** Backfill as an importer would: shuffled batches, 2 % of readings lost. */
export function shuffledBackfill(readings: readonly Reading[], rng: Rng, dropP = 0.02): Reading[] {
  const kept = readings.filter(() => !rng.chance(dropP));
  const batches: Reading[][] = [];
  for (let i = 0; i < kept.length; ) {
    const n = rng.int(24, 200);
    batches.push(kept.slice(i, i + n));
    i += n;
  }
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [batches[i], batches[j]] = [batches[j], batches[i]];
  }
  return batches.flat();
}

const DROPPABLE: Channel[] = ['torque', 'gor', 'flow_variance', 'vibration', 'pip', 'motor_temp'];
/** Channels a case cannot be told without (never dropped for it). */
const KEEP: Partial<Record<LongKind, Channel[]>> = {
  TEMP_CREEP: ['motor_temp'],
  VIBRATION_GROWTH: ['vibration'],
  TUBING_LEAK: ['pip'],
};

function f1(tp: number, fp: number, fn: number): { p: number; r: number; f1: number } {
  const p = tp + fp ? tp / (tp + fp) : 0;
  const r = tp + fn ? tp / (tp + fn) : 0;
  return { p, r, f1: p + r ? (2 * p * r) / (p + r) : 0 };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

export function runSlowEval(o: SlowEvalOptions): SlowEvalResult {
  const lines: string[] = [];
  const out = (s = ''): void => {
    lines.push(s);
  };
  const rng = new Rng(o.seed);
  const t0 = performance.now();

  // ---------------------------------------------------------------- (a) slow classes
  const kinds: LongKind[] = ['PUMP_WEAR', 'SCALE', 'NORMAL', 'LOW_FLOW', 'TUBING_LEAK', 'TEMP_CREEP', 'VIBRATION_GROWTH', 'CURRENT_CREEP'];
  const rows: { kind: LongKind; pred: string; desc: string }[] = [];
  let n = 0;
  for (const kind of kinds) {
    const count = kind === 'PUMP_WEAR' || kind === 'SCALE' || kind === 'NORMAL' ? o.perClass : Math.ceil(o.perClass / 2);
    for (let k = 0; k < count; k++) {
      const seed = o.seed + 1_000 + ++n * 7_919;
      const fb = rng.chance(0.5) ? 50 : 60;
      const missing: Channel[] = [];
      if (rng.chance(0.3)) {
        const can = DROPPABLE.filter((c) => !(KEEP[kind] ?? []).includes(c));
        missing.push(can[Math.floor(rng.next() * can.length)]);
      }
      const sc = generateLongScenario({ kind, seed, nameplate: { base_frequency_hz: fb }, missing, onsetDaysBeforeEnd: kind === 'TUBING_LEAK' ? rng.uniform(2, 20) : undefined });
      const noNameplate = kind !== 'LOW_FLOW' && rng.chance(0.2);
      const given: Partial<WellNameplate> = noNameplate ? {} : sc.well;
      const h = diagnoseHistory(given, shuffledBackfill(sc.readings, rng));
      rows.push({ kind, pred: h.diagnosis.diagnosis, desc: `seed=${seed} fb=${fb}${noNameplate ? ' no-nameplate' : ''}${missing.length ? ` missing=${missing.join('+')}` : ''} onset=${sc.onsetTs ? ((sc.endTs - sc.onsetTs) / DAY).toFixed(0) : '-'}d` });
    }
  }
  out(`(a) slow classes: ${rows.length} wells, 60 days hourly, onset 10–50 days before the end, shuffled batches, 2 % dropped`);
  let okA = true;
  for (const code of ['PUMP_WEAR', 'SCALE']) {
    const tp = rows.filter((r) => r.kind === code && r.pred === code).length;
    const fp = rows.filter((r) => r.kind !== code && r.pred === code).length;
    const fn = rows.filter((r) => r.kind === code && r.pred !== code).length;
    const m = f1(tp, fp, fn);
    if (m.f1 < 0.95) okA = false;
    out(`    ${code.padEnd(10)} precision ${m.p.toFixed(3)} recall ${m.r.toFixed(3)} F1 ${m.f1.toFixed(3)}  (target >= 0.95: ${m.f1 >= 0.95 ? 'MET' : 'NOT MET'})`);
  }
  const byKind = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = byKind.get(r.kind) ?? new Map<string, number>();
    m.set(r.pred, (m.get(r.pred) ?? 0) + 1);
    byKind.set(r.kind, m);
  }
  for (const [k, m] of byKind) out(`    ${k.padEnd(17)} → ${[...m.entries()].sort((a, b) => b[1] - a[1]).map(([c, v]) => `${c} ${v}`).join(', ')}`);
  const wrongA = rows.filter((r) => (r.kind === 'PUMP_WEAR' || r.kind === 'SCALE' || r.pred === 'PUMP_WEAR' || r.pred === 'SCALE') && r.kind !== r.pred);
  for (const r of wrongA.slice(0, 12)) out(`      ${r.kind} -> ${r.pred}  ${r.desc}`);

  // ---------------------------------------------------------------- (b) forecast backtest
  const drifts: LongKind[] = ['TEMP_CREEP', 'VIBRATION_GROWTH', 'CURRENT_CREEP'];
  let within = 0;
  let total = 0;
  const misses: string[] = [];
  const errs: number[] = [];
  const models = new Map<string, number>();
  for (const kind of drifts) {
    for (let k = 0; k < o.backtestPerKind; k++) {
      const seed = o.seed + 500_000 + ++n * 7_919;
      const fb = rng.chance(0.5) ? 50 : 60;
      const sc = generateLongScenario({ kind, seed, nameplate: { base_frequency_hz: fb }, onsetDaysBeforeEnd: rng.uniform(10, 45), limitDaysAfterEnd: rng.uniform(5, 40) });
      const truthTs = sc.model.crossing(sc.endTs, sc.channel!, sc.limit!);
      if (truthTs === null) continue;
      const truth = (truthTs - sc.endTs) / DAY;
      total++;
      const input = shuffledBackfill(sc.readings, rng);
      const fc = forecastWell(sc.well, input, { now: sc.endTs, horizonDays: 365 });
      const ch = fc.channels.find((c) => c.channel === sc.channel);
      const got = ch?.time_to_limit_days ?? null;
      if (ch) models.set(`${kind}:${ch.model}`, (models.get(`${kind}:${ch.model}`) ?? 0) + 1);
      const ok = got !== null && Math.abs(got - truth) <= Math.max(0.35 * truth, 3);
      if (got !== null) errs.push(Math.abs(got - truth) / truth);
      if (ok) within++;
      else {
        const tr = VERBOSE ? computeTrends(sc.well, input, { now: sc.endTs }).find((x) => x.channel === sc.channel) : undefined;
        misses.push(`${kind} seed=${seed} truth ${truth.toFixed(1)} d, forecast ${got === null ? 'none' : `${got.toFixed(1)} d (${ch!.model})`}${tr ? ` trend ${JSON.stringify(tr)} limit ${sc.limit}` : ''}`);
      }
    }
  }
  let healthyWarned = 0;
  for (let k = 0; k < o.healthy; k++) {
    const seed = o.seed + 800_000 + ++n * 7_919;
    const missing: Channel[] = rng.chance(0.3) ? [rng.pick(DROPPABLE)] : [];
    const sc = generateLongScenario({ kind: 'NORMAL', seed, nameplate: { base_frequency_hz: rng.chance(0.5) ? 50 : 60 }, missing });
    const given: Partial<WellNameplate> = rng.chance(0.2) ? {} : sc.well;
    const fc = forecastWell(given, shuffledBackfill(sc.readings, rng), { now: sc.endTs, horizonDays: 30 });
    if (fc.warnings.length) {
      healthyWarned++;
      misses.push(`healthy seed=${seed} warned: ${fc.warnings.map((w) => `${w.code} in ${w.lead_days} d`).join(', ')}`);
    }
  }
  const withinRate = total ? within / total : 0;
  const quietRate = o.healthy ? 1 - healthyWarned / o.healthy : 1;
  const okB = withinRate >= 0.9 && quietRate >= 0.98;
  errs.sort((a, b) => a - b);
  out(`(b) forecast backtest: time to limit within 35 % (or 3 days) on ${within}/${total} drifting wells = ${pct(withinRate)} (target >= 90 %: ${withinRate >= 0.9 ? 'MET' : 'NOT MET'}); median relative error ${errs.length ? pct(errs[Math.floor(errs.length / 2)]) : '–'}`);
  out(`    models chosen: ${[...models.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out(`    healthy wells without a warning: ${o.healthy - healthyWarned}/${o.healthy} = ${pct(quietRate)} (target >= 98 %: ${quietRate >= 0.98 ? 'MET' : 'NOT MET'})`);
  for (const m of misses.slice(0, 30)) out(`      ${m}`);

  // ---------------------------------------------------------------- (c) run to failure
  const leads: number[] = [];
  let events = 0;
  let caught = 0;
  let falseBefore = 0;
  for (let k = 0; k < o.runToFailure; k++) {
    const kind = drifts[k % drifts.length];
    const seed = o.seed + 1_200_000 + ++n * 7_919;
    const sc = generateLongScenario({ kind, seed, days: 90, onsetDaysBeforeEnd: rng.uniform(25, 60), limitDaysAfterEnd: 0, nameplate: { base_frequency_hz: rng.chance(0.5) ? 50 : 60 } });
    // Failure: the channel held at or beyond its limit for three readings in a row (the trip an engineer sees).
    const ch = sc.channel!;
    let run = 0;
    let failTs = sc.endTs;
    for (const r of sc.readings) {
      const v = r[ch];
      run = v !== null && v >= sc.limit! ? run + 1 : 0;
      if (run >= 3) {
        failTs = r.ts;
        break;
      }
    }
    events++;
    const first = firstWarning(sc.well, sc.readings, sc.readings[0].ts + 14 * DAY, failTs);
    if (first !== null && first < sc.onsetTs!) falseBefore++;
    if (first !== null && first >= sc.onsetTs!) {
      caught++;
      leads.push((failTs - first) / DAY);
    }
  }
  let falseEpisodes = 0;
  let wellsOverOne = 0;
  for (let k = 0; k < o.healthy / 4; k++) {
    const seed = o.seed + 1_500_000 + ++n * 7_919;
    const sc = generateLongScenario({ kind: 'NORMAL', seed, days: 90, nameplate: { base_frequency_hz: rng.chance(0.5) ? 50 : 60 } });
    const e = warningEpisodes(sc.well, sc.readings, sc.readings[0].ts + 14 * DAY, sc.endTs);
    falseEpisodes += e;
    if (e > 1) wellsOverOne++;
  }
  const nHealthyC = Math.floor(o.healthy / 4);
  leads.sort((a, b) => a - b);
  const medLead = leads.length ? leads[Math.floor(leads.length / 2)] : 0;
  const recall = events ? caught / events : 0;
  const perWell = nHealthyC ? falseEpisodes / nHealthyC : 0;
  const okC = medLead >= 7 && recall >= 0.8 && wellsOverOne === 0;
  out(`(c) run to failure (${events} wells, forecasts daily): median lead ${medLead.toFixed(1)} days (target >= 7: ${medLead >= 7 ? 'MET' : 'NOT MET'}), event recall ${caught}/${events} = ${recall.toFixed(3)} (target >= 0.8: ${recall >= 0.8 ? 'MET' : 'NOT MET'}), warned before the onset ${falseBefore}`);
  out(`    healthy wells over 90 days (${nHealthyC}): ${falseEpisodes} false warnings = ${perWell.toFixed(2)} per well, wells with more than one: ${wellsOverOne} (target 0: ${wellsOverOne === 0 ? 'MET' : 'NOT MET'})`);
  out(`    time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { lines, ok: okA && okB && okC };
}

/** Forecast every day from `from` up to `to`: the time of the first warning, or null. */
function firstWarning(well: Partial<WellNameplate>, readings: readonly Reading[], from: number, to: number): number | null {
  let j = 0;
  for (let t = from; t < to; t += DAY) {
    while (j < readings.length && readings[j].ts <= t) j++;
    const fc = forecastWell(well, readings.slice(0, j), { now: t, horizonDays: 30 });
    if (fc.warnings.length) return t;
  }
  return null;
}

/** Number of separate warning episodes (a day with warnings after a day without) between from and to. */
function warningEpisodes(well: Partial<WellNameplate>, readings: readonly Reading[], from: number, to: number): number {
  let j = 0;
  let episodes = 0;
  let prev = false;
  for (let t = from; t <= to; t += DAY) {
    while (j < readings.length && readings[j].ts <= t) j++;
    const fc = forecastWell(well, readings.slice(0, j), { now: t, horizonDays: 30 });
    const on = fc.warnings.length > 0;
    if (on && !prev) episodes++;
    prev = on;
  }
  return episodes;
}
