// Synchronised uPlot trend charts: one per channel, shared cursor, drag-to-zoom on any chart zooms all of them
// (the parent refetches a finer range), dashed lines for nameplate limits, min–max band around the average.
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

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  color: string;
  digits: number;
  avg: (number | null)[];
  /** Optional min/max per bucket, drawn as a band. */
  min?: (number | null)[];
  max?: (number | null)[];
  limits?: Limit[];
  dashed?: boolean;
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
}

let seq = 0;

export function TrendCharts(p: TrendChartsProps): JSX.Element {
  const syncKey = useMemo(() => `esp-trends-${++seq}`, []);
  return (
    <div class={`charts${p.loading ? ' loading' : ''}`} data-testid="trend-charts" aria-busy={p.loading ? 'true' : 'false'}>
      {p.charts.map((c) => (
        <Chart key={c.id} spec={c} xs={p.xs} from={p.from} to={p.to} syncKey={syncKey} onZoom={p.onZoom} onReset={p.onReset} />
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
}

const HEIGHT = 170;
const AXIS = { stroke: '#4a5565', grid: { stroke: '#e6e9ef', width: 1 }, ticks: { stroke: '#d0d5dd', width: 1 }, font: '11px system-ui, sans-serif' };

/** Tick labels with just enough decimals to tell neighbouring ticks apart. */
function tickLabels(splits: number[]): string[] {
  const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
  const digits = step > 0 ? Math.max(0, Math.min(3, Math.ceil(-Math.log10(step) - 1e-9))) : 0;
  return splits.map((v) => num(v, digits));
}

function stats(values: (number | null)[]): { lo: number; hi: number; last: number | null } {
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

function Chart({ spec, xs, from, to, syncKey, onZoom, onReset }: ChartProps): JSX.Element {
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
  const banded = !!(spec.min && spec.max);

  const data = useMemo<uPlot.AlignedData>(
    () => (banded ? [xs, spec.avg, spec.min!, spec.max!] : [xs, spec.avg]),
    [xs, spec.avg, spec.min, spec.max, banded],
  );

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
          range: (_u, dmin, dmax) => {
            let lo = dmin;
            let hi = dmax;
            if (lo == null || hi == null || !Number.isFinite(lo) || !Number.isFinite(hi)) {
              lo = 0;
              hi = 1;
            }
            const span = Math.max(hi - lo, Math.abs(hi) * 0.1, 1e-6);
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
      bands: banded ? [{ series: [3, 2], fill: `${spec.color}22` }] : undefined,
      hooks: {
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
  }, [spec.id, banded, syncKey]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    plot.current?.setScale('x', { min: from, max: to });
  }, [from, to]);

  const s = stats(spec.avg);
  const summary =
    s.last == null
      ? `${spec.title}: no data in this range`
      : `${spec.title}: latest ${num(s.last, spec.digits)} ${spec.unit}, range ${num(s.lo, spec.digits)} to ${num(s.hi, spec.digits)} ${spec.unit}`;
  return (
    <figure class="chart" data-testid="trend-chart" data-channel={spec.id}>
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
