// Turning history buckets into chart columns: interval choice, gaps, live appends.
import { normalisedFlow } from './channels';
import { CHANNELS, type Agg, type Channel, type HistoryBucket, type LiveReading } from './types';

const STEPS = ['10s', '15s', '30s', '1m', '2m', '3m', '5m', '10m', '15m', '20m', '30m', '1h', '2h', '3h', '6h', '12h', '1d'];
const TARGET_POINTS = 450;

export function intervalSeconds(iv: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(iv.trim());
  if (!m) return 60;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** The step whose bucket count over `seconds` is nearest ~450 (so 300–600 points). */
export function chooseInterval(seconds: number): string {
  let best = STEPS[0]!;
  let bestErr = Infinity;
  for (const s of STEPS) {
    const err = Math.abs(Math.log(seconds / intervalSeconds(s) / TARGET_POINTS));
    if (err < bestErr) {
      bestErr = err;
      best = s;
    }
  }
  return best;
}

export interface Columns {
  xs: number[];
  avg: Record<Channel, (number | null)[]>;
  min: Record<Channel, (number | null)[]>;
  max: Record<Channel, (number | null)[]>;
  flowNorm: (number | null)[];
}

function empty(): Record<Channel, (number | null)[]> {
  const r = {} as Record<Channel, (number | null)[]>;
  for (const c of CHANNELS) r[c] = [];
  return r;
}

/** The well's usual spacing between buckets (its sampling interval when that is coarser than the step). */
function typicalSpacing(buckets: HistoryBucket[], stepSeconds: number): number {
  const gaps: number[] = [];
  for (let i = 1; i < buckets.length; i++) {
    const d = (Date.parse(buckets[i].timestamp) - Date.parse(buckets[i - 1].timestamp)) / 1000;
    if (d > 0) gaps.push(d);
  }
  if (!gaps.length) return stepSeconds;
  gaps.sort((a, b) => a - b);
  return Math.max(stepSeconds, gaps[Math.floor(gaps.length / 2)]);
}

/**
 * Columns for uPlot. A gap longer than 2.5 times the usual spacing becomes a null point so lines break instead
 * of bridging (a stopped gauge, a link down); a well sampled every minute shown in 10 s buckets still draws a
 * line.
 */
export function toColumns(buckets: HistoryBucket[], stepSeconds: number, baseHz: number): Columns {
  const cols: Columns = { xs: [], avg: empty(), min: empty(), max: empty(), flowNorm: [] };
  const spacing = typicalSpacing(buckets, stepSeconds);
  let prev = -Infinity;
  const push = (x: number, b: HistoryBucket | null) => {
    cols.xs.push(x);
    for (const c of CHANNELS) {
      const a: Agg | null | undefined = b ? b[c] : null;
      cols.avg[c].push(a?.avg ?? null);
      cols.min[c].push(a?.min ?? null);
      cols.max[c].push(a?.max ?? null);
    }
    cols.flowNorm.push(b ? normalisedFlow(b.flow_rate?.avg, b.vsd_frequency?.avg, baseHz) : null);
  };
  for (const b of buckets) {
    const x = Date.parse(b.timestamp) / 1000;
    if (!Number.isFinite(x)) continue;
    if (x - prev > spacing * 2.5 && prev !== -Infinity) push(prev + spacing, null);
    push(x, b);
    prev = x;
  }
  return cols;
}

/** Fold live readings into the bucket list: into the last bucket while inside its step, else a new bucket. */
export function appendReadings(buckets: HistoryBucket[], readings: LiveReading[], stepSeconds: number, fromMs: number): HistoryBucket[] {
  const out = buckets.slice();
  const stepMs = stepSeconds * 1000;
  for (const r of readings) {
    const t = Date.parse(r.timestamp);
    if (!Number.isFinite(t)) continue;
    const last = out[out.length - 1];
    const lastT = last ? Date.parse(last.timestamp) : -Infinity;
    if (t < lastT) continue; // late reading: the next refetch will place it
    if (last && t < lastT + stepMs) {
      const n = last.samples || 1;
      const merged = { ...last, samples: n + 1 } as HistoryBucket;
      for (const c of CHANNELS) {
        const v = r[c];
        if (v == null) continue;
        const a = last[c];
        merged[c] = a && a.avg != null
          ? { avg: (a.avg * n + v) / (n + 1), min: Math.min(a.min ?? v, v), max: Math.max(a.max ?? v, v) }
          : { avg: v, min: v, max: v };
      }
      out[out.length - 1] = merged;
    } else {
      const b = { timestamp: new Date(Math.floor(t / stepMs) * stepMs).toISOString(), samples: 1 } as HistoryBucket;
      for (const c of CHANNELS) {
        const v = r[c];
        b[c] = v == null ? null : { avg: v, min: v, max: v };
      }
      out.push(b);
    }
  }
  let drop = 0;
  while (drop < out.length && Date.parse(out[drop]!.timestamp) < fromMs) drop++;
  return drop ? out.slice(drop) : out;
}
