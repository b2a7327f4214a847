// A tiny SVG line of the last 24 h of hourly flow; null hours break the line.
import type { JSX } from 'preact';

const W = 96;
const H = 22;
const cache = new WeakMap<readonly (number | null)[], string>();

function path(values: readonly (number | null)[]): string {
  const hit = cache.get(values);
  if (hit !== undefined) return hit;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v == null) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let d = '';
  if (lo !== Infinity) {
    const span = hi - lo || Math.abs(hi) || 1;
    const step = values.length > 1 ? W / (values.length - 1) : 0;
    let pen = false;
    values.forEach((v, i) => {
      if (v == null) {
        pen = false;
        return;
      }
      const x = (i * step).toFixed(1);
      const y = (H - 2 - ((v - lo) / span) * (H - 4)).toFixed(1);
      d += `${pen ? 'L' : 'M'}${x} ${y}`;
      pen = true;
    });
  }
  cache.set(values, d);
  return d;
}

export function Sparkline({ values, color, label }: { values?: readonly (number | null)[]; color: string; label: string }): JSX.Element {
  if (!values || !values.some((v) => v != null)) return <span class="muted spark-empty">no data</span>;
  return (
    <svg class="spark" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <path d={path(values)} fill="none" stroke={color} stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}
