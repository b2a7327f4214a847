// A Kaplan–Meier survival curve (step line) with its 95 % confidence band, and the fitted Weibull survival
// exp(−(t/η)^β) as a smooth dashed line for comparison; censored run lives are marked with a tick on the curve.
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { num, pct } from '../format';
import type { ReliabilityGroup } from '../types';

const HEIGHT = 220;
const AXIS = { stroke: '#4a5565', grid: { stroke: '#e6e9ef', width: 1 }, ticks: { stroke: '#d0d5dd', width: 1 }, font: '11px system-ui, sans-serif' };
const KM_COLOR = '#1f5fa8';
const WEIBULL_COLOR = '#bf5700';

/** KM steps from t = 0 (S = 1), so the curve starts at the install. */
function steps(g: ReliabilityGroup): { t: number[]; s: number[]; lo: number[]; hi: number[] } {
  const pts = [...g.kaplan_meier].sort((a, b) => a.t_days - b.t_days);
  const out = { t: [] as number[], s: [] as number[], lo: [] as number[], hi: [] as number[] };
  if (!pts.length || pts[0]!.t_days > 0) {
    out.t.push(0);
    out.s.push(1);
    out.lo.push(1);
    out.hi.push(1);
  }
  for (const p of pts) {
    out.t.push(p.t_days);
    out.s.push(p.survival);
    out.lo.push(p.low);
    out.hi.push(p.high);
  }
  return out;
}

/** The value of a right-continuous step function at t. */
function stepAt(ts: number[], vs: number[], t: number): number {
  let v = vs[0] ?? 1;
  for (let i = 0; i < ts.length && ts[i]! <= t; i++) v = vs[i]!;
  return v;
}

export function SurvivalChart({ group }: { group: ReliabilityGroup }): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const km = useMemo(() => steps(group), [group]);
  const maxT = useMemo(() => Math.max(365, ...group.run_lives.map((r) => r.days), ...km.t) * 1.05, [group, km]);
  const censored = useMemo(() => group.run_lives.filter((r) => !r.failed).map((r) => r.days), [group]);

  const data = useMemo<uPlot.AlignedData>(() => {
    // The x column: the KM step times plus a grid for the Weibull curve; each series only where it is defined.
    const grid: number[] = [];
    const n = 120;
    for (let i = 0; i <= n; i++) grid.push((maxT * i) / n);
    const xs = [...new Set([...km.t, ...grid])].sort((a, b) => a - b);
    const kmIdx = new Map(km.t.map((t, i) => [t, i]));
    const lastKm = km.t[km.t.length - 1] ?? 0;
    const s: (number | undefined)[] = [];
    const lo: (number | undefined)[] = [];
    const hi: (number | undefined)[] = [];
    const wb: (number | undefined)[] = [];
    const w = group.weibull;
    // The KM curve is drawn to its last time, extended flat to the longest follow-up.
    const follow = Math.max(lastKm, ...censored);
    for (const x of xs) {
      const i = kmIdx.get(x);
      if (i !== undefined) {
        s.push(km.s[i]);
        lo.push(km.lo[i]);
        hi.push(km.hi[i]);
      } else if (x > lastKm && x <= follow) {
        s.push(stepAt(km.t, km.s, x));
        lo.push(stepAt(km.t, km.lo, x));
        hi.push(stepAt(km.t, km.hi, x));
      } else {
        s.push(undefined);
        lo.push(undefined);
        hi.push(undefined);
      }
      wb.push(w ? Math.exp(-Math.pow(x / w.scale_days.value, w.shape.value)) : undefined);
    }
    return [xs, s, lo, hi, wb];
  }, [km, maxT, group.weibull, censored]);

  useEffect(() => {
    const el = host.current!;
    const stepped = uPlot.paths.stepped!({ align: 1 });
    const fmt = (v: number | null | undefined) => pct(v, 1);
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height: HEIGHT,
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      legend: { show: true, live: true },
      scales: { x: { time: false, range: () => [0, maxT] }, y: { range: () => [0, 1.02] } },
      axes: [
        { ...AXIS, label: 'days since install', labelSize: 18, labelFont: '11px system-ui, sans-serif', values: (_u, sp) => sp.map((v) => num(v)) },
        { ...AXIS, size: 50, values: (_u, sp) => sp.map((v) => pct(v)) },
      ],
      series: [
        { label: 'Run life', value: (_u, v) => (v == null ? '—' : `${num(v)} d`) },
        { label: 'Kaplan–Meier', stroke: KM_COLOR, width: 2, paths: stepped, value: (_u, v) => fmt(v), points: { show: false } },
        { label: '95 % low', stroke: `${KM_COLOR}66`, width: 0.75, paths: stepped, value: (_u, v) => fmt(v), points: { show: false } },
        { label: '95 % high', stroke: `${KM_COLOR}66`, width: 0.75, paths: stepped, value: (_u, v) => fmt(v), points: { show: false } },
        { label: 'Weibull fit', stroke: WEIBULL_COLOR, width: 1.5, dash: [6, 4], value: (_u, v) => fmt(v), points: { show: false }, show: !!group.weibull },
      ],
      bands: [{ series: [3, 2], fill: `${KM_COLOR}22` }],
      hooks: {
        draw: [
          (u) => {
            // Censored run lives: a small vertical tick on the curve where each pump was still running.
            const ctx = u.ctx;
            const dpr = uPlot.pxRatio;
            ctx.save();
            ctx.strokeStyle = KM_COLOR;
            ctx.lineWidth = 1.5 * dpr;
            for (const d of censored) {
              const x = u.valToPos(d, 'x', true);
              const y = u.valToPos(stepAt(km.t, km.s, d), 'y', true);
              ctx.beginPath();
              ctx.moveTo(x, y - 5 * dpr);
              ctx.lineTo(x, y + 5 * dpr);
              ctx.stroke();
            }
            // One year, where the survival at 365 days is read.
            const x365 = Math.round(u.valToPos(365, 'x', true));
            const { top, height } = u.bbox;
            ctx.strokeStyle = '#8a8f98';
            ctx.lineWidth = dpr;
            ctx.setLineDash([3 * dpr, 3 * dpr]);
            ctx.beginPath();
            ctx.moveTo(x365, top);
            ctx.lineTo(x365, top + height);
            ctx.stroke();
            ctx.fillStyle = '#4a5565';
            ctx.font = `${10.5 * dpr}px system-ui, sans-serif`;
            ctx.textBaseline = 'top';
            ctx.fillText('1 year', x365 + 3 * dpr, top + 3 * dpr);
            ctx.restore();
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(240, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [data, maxT, km, censored, group.weibull]);

  const s365 = group.survival_365;
  const label = `Survival curve of ${group.group}: ${group.installs} installs, ${group.failures} failures${
    s365 ? `, survival at one year ${pct(s365.value)}` : ''
  }`;
  return <div ref={host} class="chart-host survival-chart" role="img" aria-label={label} data-testid="survival-chart" />;
}
