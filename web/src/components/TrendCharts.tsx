// Synchronised uPlot trend charts: one per channel, shared cursor, drag-to-zoom on any chart zooms all of them
// (the parent refetches a finer range), dashed lines for nameplate limits, min–max band around the average,
// and optionally a forecast (projection line with its low–high band), shaded periods (the well's reference) and
// vertical markers (now, expected time to a limit).
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { num } from '../format';

export interface Limit {
  value: number;
  label: string;
  color: string;
}

/**
 * Values aligned with the shared x column. `null` breaks a line (a gap in the data); `undefined` is a point
 * that only exists for another series (history vs forecast) and the line is drawn across it.
 */
export type Column = (number | null | undefined)[];

export interface Forecast {
  value: Column;
  low: Column;
  high: Column;
  color: string;
}

/** A vertical marker at `at` (seconds since epoch). */
export interface Marker {
  at: number;
  label: string;
  color: string;
}

/** A shaded period (seconds since epoch), shared by every chart. */
export interface Region {
  from: number;
  to: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  color: string;
  digits: number;
  avg: Column;
  /** Optional min/max per bucket, drawn as a band. */
  min?: Column;
  max?: Column;
  limits?: Limit[];
  dashed?: boolean;
  forecast?: Forecast;
  markers?: Marker[];
}

export interface TrendChartsProps {
  /** Seconds since epoch, shared by every chart. */
  xs: number[];
  charts: ChartSpec[];
  /** Visible range, seconds since epoch. */
  from: number;
  to: number;
  onZoom: (from: number, to: number) => void;
  onReset?: () => void;
  loading?: boolean;
  regions?: Region[];
}

let seq = 0;

export function TrendCharts(p: TrendChartsProps): JSX.Element {
  const syncKey = useMemo(() => `esp-trends-${++seq}`, []);
  return (
    <div class={`charts${p.loading ? ' loading' : ''}`} data-testid="trend-charts" aria-busy={p.loading ? 'true' : 'false'}>
      {p.charts.map((c) => (
        <Chart key={c.id} spec={c} xs={p.xs} from={p.from} to={p.to} syncKey={syncKey} onZoom={p.onZoom} onReset={p.onReset} regions={p.regions} />
      ))}
    </div>
  );
}

interface ChartProps {
  spec: ChartSpec;
  xs: number[];
  from: number;
  to: number;
  syncKey: string;
  onZoom: (from: number, to: number) => void;
  onReset?: () => void;
  regions?: Region[];
}

const HEIGHT = 170;
const AXIS = { stroke: '#4a5565', grid: { stroke: '#e6e9ef', width: 1 }, ticks: { stroke: '#d0d5dd', width: 1 }, font: '11px system-ui, sans-serif' };

/** Tick labels with just enough decimals to tell neighbouring ticks apart. */
function tickLabels(splits: number[]): string[] {
  const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
  const digits = step > 0 ? Math.max(0, Math.min(3, Math.ceil(-Math.log10(step) - 1e-9))) : 0;
  return splits.map((v) => num(v, digits));
}

function stats(values: Column): { lo: number; hi: number; last: number | null } {
  let lo = Infinity;
  let hi = -Infinity;
  let last: number | null = null;
  for (const v of values) {
    if (v == null) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    last = v;
  }
  return { lo, hi, last };
}

/** Min and max of the finite values of some columns. */
function extent(cols: (Column | undefined)[]): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of cols) {
    if (!c) continue;
    for (const v of c) {
      if (v == null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return { lo, hi };
}

function Chart({ spec, xs, from, to, syncKey, onZoom, onReset, regions }: ChartProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef({ from, to });
  range.current = { from, to };
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  const reset = useRef(onReset);
  reset.current = onReset;
  const limits = useRef(spec.limits ?? []);
  limits.current = spec.limits ?? [];
  const markers = useRef(spec.markers ?? []);
  markers.current = spec.markers ?? [];
  const shaded = useRef(regions ?? []);
  shaded.current = regions ?? [];
  const banded = !!(spec.min && spec.max);
  const fc = spec.forecast;
  const forecasted = !!fc;
  const fcColor = fc?.color ?? spec.color;

  const data = useMemo<uPlot.AlignedData>(() => {
    const d: uPlot.AlignedData = banded ? [xs, spec.avg, spec.min!, spec.max!] : [xs, spec.avg];
    if (fc) d.push(fc.value, fc.low, fc.high);
    return d;
  }, [xs, spec.avg, spec.min, spec.max, banded, fc]);

  useEffect(() => {
    const el = host.current!;
    const fmt = (v: number | null | undefined) => (v == null ? '—' : num(v, spec.digits));
    const faint = `${spec.color}66`;
    const series: uPlot.Series[] = [
      {},
      { label: 'avg', stroke: spec.color, width: 1.6, dash: spec.dashed ? [6, 3] : undefined, value: (_u, v) => fmt(v), points: { show: false } },
    ];
    if (banded) {
      series.push(
        { label: 'min', stroke: faint, width: 0.75, value: (_u, v) => fmt(v), points: { show: false } },
        { label: 'max', stroke: faint, width: 0.75, value: (_u, v) => fmt(v), points: { show: false } },
      );
    }
    const fcAt = series.length;
    if (forecasted) {
      series.push(
        { label: 'forecast', stroke: fcColor, width: 2, dash: [8, 4], value: (_u, v) => fmt(v), points: { show: false } },
        { label: 'low', stroke: `${fcColor}99`, width: 1, value: (_u, v) => fmt(v), points: { show: false } },
        { label: 'high', stroke: `${fcColor}99`, width: 1, value: (_u, v) => fmt(v), points: { show: false } },
      );
    }
    const bands: uPlot.Band[] = [];
    if (banded) bands.push({ series: [3, 2], fill: `${spec.color}22` });
    if (forecasted) bands.push({ series: [fcAt + 2, fcAt + 1], fill: `${fcColor}3d` });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      pxAlign: true,
      cursor: {
        sync: { key: syncKey, setSeries: false },
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      legend: { show: true, live: true },
      scales: {
        x: { time: true, range: () => [range.current.from, range.current.to] },
        y: {
          range: (u) => {
            // The measured series and the projection set the scale; the forecast band may widen it by at most
            // half again (an exponential model's upper bound would otherwise flatten the history).
            const measured = u.data.slice(1, forecasted ? fcAt : undefined) as Column[];
            let { lo, hi } = extent(forecasted ? [...measured, u.data[fcAt] as Column] : measured);
            if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
              lo = 0;
              hi = 1;
            }
            let span = Math.max(hi - lo, Math.abs(hi) * 0.1, 1e-6);
            if (forecasted) {
              const band = extent([u.data[fcAt + 1] as Column, u.data[fcAt + 2] as Column]);
              if (Number.isFinite(band.lo)) lo = Math.min(lo, Math.max(band.lo, lo - span / 2));
              if (Number.isFinite(band.hi)) hi = Math.max(hi, Math.min(band.hi, hi + span / 2));
              span = Math.max(hi - lo, Math.abs(hi) * 0.1, 1e-6);
            }
            for (const l of limits.current) {
              if (l.value >= lo - span && l.value <= hi + span) {
                lo = Math.min(lo, l.value);
                hi = Math.max(hi, l.value);
              }
            }
            return uPlot.rangeNum(lo, hi, 0.12, true);
          },
        },
      },
      axes: [
        { ...AXIS },
        { ...AXIS, size: 58, values: (_u, splits) => tickLabels(splits) },
      ],
      series,
      bands: bands.length ? bands : undefined,
      hooks: {
        drawAxes: [
          (u) => {
            // Shaded periods sit under the series.
            const ctx = u.ctx;
            const dpr = uPlot.pxRatio;
            const { left, top, width, height } = u.bbox;
            for (const r of shaded.current) {
              const x0 = Math.max(left, u.valToPos(r.from, 'x', true));
              const x1 = Math.min(left + width, u.valToPos(r.to, 'x', true));
              if (!(x1 > x0)) continue;
              ctx.save();
              ctx.fillStyle = r.color;
              ctx.fillRect(x0, top, x1 - x0, height);
              ctx.fillStyle = '#4a5565';
              ctx.textAlign = 'left';
              ctx.textBaseline = 'top';
              ctx.font = `${10.5 * dpr}px system-ui, sans-serif`;
              if (x1 - x0 > 40 * dpr) ctx.fillText(r.label, x0 + 3 * dpr, top + 3 * dpr, x1 - x0 - 6 * dpr);
              ctx.restore();
            }
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width > 5) {
              const a = u.posToVal(u.select.left, 'x');
              const b = u.posToVal(u.select.left + u.select.width, 'x');
              zoom.current(a, b);
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        draw: [
          (u) => {
            const ctx = u.ctx;
            const dpr = uPlot.pxRatio;
            const { left, top, width, height } = u.bbox;
            for (const l of limits.current) {
              const y = Math.round(u.valToPos(l.value, 'y', true));
              if (y < top || y > top + height) continue;
              ctx.save();
              ctx.strokeStyle = l.color;
              ctx.lineWidth = dpr;
              ctx.setLineDash([5 * dpr, 4 * dpr]);
              ctx.beginPath();
              ctx.moveTo(left, y);
              ctx.lineTo(left + width, y);
              ctx.stroke();
              ctx.fillStyle = l.color;
              ctx.textAlign = 'left';
              ctx.textBaseline = 'bottom';
              ctx.font = `${11 * dpr}px system-ui, sans-serif`;
              ctx.fillText(l.label, left + 4 * dpr, y - 4 * dpr);
              ctx.restore();
            }
            for (const m of markers.current) {
              const x = Math.round(u.valToPos(m.at, 'x', true));
              if (x < left || x > left + width) continue;
              ctx.save();
              ctx.strokeStyle = m.color;
              ctx.lineWidth = dpr;
              ctx.setLineDash([2 * dpr, 3 * dpr]);
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              ctx.fillStyle = m.color;
              ctx.font = `${11 * dpr}px system-ui, sans-serif`;
              ctx.textBaseline = 'top';
              // Labels near the right edge go on the left of their line.
              const w = ctx.measureText(m.label).width;
              const right = x + 4 * dpr + w <= left + width;
              ctx.textAlign = right ? 'left' : 'right';
              ctx.fillText(m.label, right ? x + 4 * dpr : x - 4 * dpr, top + 14 * dpr);
              ctx.restore();
            }
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(el);
    const dbl = () => reset.current?.();
    u.over.addEventListener('dblclick', dbl);
    return () => {
      ro.disconnect();
      u.over.removeEventListener('dblclick', dbl);
      u.destroy();
      plot.current = null;
    };
    // Recreate only when the chart's shape changes; data and range are pushed below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [spec.id, banded, forecasted, fcColor, syncKey]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    plot.current?.setScale('x', { min: from, max: to });
  }, [from, to]);

  // Limits, markers and shaded periods are drawn from refs: redraw when they change without new data.
  const overlays = JSON.stringify([spec.limits, spec.markers, regions]);
  useEffect(() => {
    plot.current?.redraw(false);
  }, [overlays]);

  const s = stats(spec.avg);
  const projected = fc ? stats(fc.value).last : null;
  const summary =
    (s.last == null
      ? `${spec.title}: no data in this range`
      : `${spec.title}: latest ${num(s.last, spec.digits)} ${spec.unit}, range ${num(s.lo, spec.digits)} to ${num(s.hi, spec.digits)} ${spec.unit}`) +
    (projected != null ? `; forecast ${num(projected, spec.digits)} ${spec.unit} at the horizon` : '');
  return (
    <figure class="chart" data-testid="trend-chart" data-channel={spec.id} data-forecast={forecasted ? 'true' : undefined}>
      <figcaption>
        <span class="chart-title">
          <span class="swatch" style={{ background: spec.color }} aria-hidden="true" />
          {spec.title} <span class="unit">{spec.unit}</span>
        </span>
        <span class="chart-last">{s.last == null ? 'no data' : `${num(s.last, spec.digits)} ${spec.unit}`}</span>
      </figcaption>
      <div ref={host} class="chart-host" role="img" aria-label={summary} />
    </figure>
  );
}
