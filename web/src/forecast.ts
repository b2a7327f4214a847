// Putting a well's forecast on its trend charts: the daily projection points join the history's x column
// (uPlot draws every series against one x array), each series holding `undefined` where only the other has a
// point, so both lines are drawn across those positions.
import type { Column, Forecast as ChartForecast } from './components/TrendCharts';
import type { ForecastChannel, TrendChannel } from './types';

/** The chart each forecast channel is drawn on: flow trends are judged on flow normalised to base frequency. */
export const FORECAST_CHART: Record<TrendChannel, string> = {
  flow_rate: 'flow_normalised',
  motor_current: 'motor_current',
  torque: 'torque',
  pip: 'pip',
  motor_temp: 'motor_temp',
  vibration: 'vibration',
};

export interface ForecastOverlay {
  xs: number[];
  /** A history column (aligned with the history's xs) re-aligned with `xs`. */
  place: (col: Column) => Column;
  /** Forecast columns by chart id. */
  forecasts: Map<string, ChartForecast>;
  /** The last projected instant (seconds), or null without a forecast. */
  end: number | null;
}

export function overlayForecast(histXs: number[], channels: ForecastChannel[], color: (c: TrendChannel) => string): ForecastOverlay {
  const drawn = channels.filter((c) => c.points.length > 0);
  if (!drawn.length) return { xs: histXs, place: (c) => c, forecasts: new Map(), end: null };
  const fxs = new Set<number>();
  for (const c of drawn) for (const p of c.points) fxs.add(Date.parse(p.at) / 1000);
  const xs = [...new Set([...histXs, ...fxs])].filter(Number.isFinite).sort((a, b) => a - b);
  const pos = new Map<number, number>();
  xs.forEach((x, i) => pos.set(x, i));
  const histPos = histXs.map((x) => pos.get(x)!);
  const place = (col: Column): Column => {
    const out: Column = new Array(xs.length).fill(undefined);
    for (let i = 0; i < col.length; i++) out[histPos[i]!] = col[i];
    return out;
  };
  const forecasts = new Map<string, ChartForecast>();
  for (const c of drawn) {
    const value: Column = new Array(xs.length).fill(undefined);
    const low: Column = new Array(xs.length).fill(undefined);
    const high: Column = new Array(xs.length).fill(undefined);
    for (const p of c.points) {
      const i = pos.get(Date.parse(p.at) / 1000);
      if (i === undefined) continue;
      value[i] = p.value;
      low[i] = p.low;
      high[i] = p.high;
    }
    forecasts.set(FORECAST_CHART[c.channel], { value, low, high, color: color(c.channel) });
  }
  return { xs, place, forecasts, end: Math.max(...fxs) };
}
