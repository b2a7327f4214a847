// The dashboard's forecast overlay: a forecast's daily points join the history's x column without breaking
// either line (`undefined`, not `null`, where a series has no point), on the chart its channel is judged on.
import { describe, expect, it } from 'vitest';
import type { ForecastChannel } from '../../src/domain/surveillance.js';
import { FORECAST_CHART, overlayForecast } from '../../web/src/forecast.js';

const H = 3600;
const t0 = Date.parse('2026-12-01T00:00:00Z') / 1000;

function channel(c: ForecastChannel['channel'], days: number[], start = t0 + 2 * H): ForecastChannel {
  return {
    channel: c,
    value_now: 100,
    slope_per_day: 2,
    slope_per_day_low: 1.5,
    slope_per_day_high: 2.5,
    limit: 150,
    limit_source: 'nameplate',
    time_to_limit_days: 25,
    time_to_limit_low_days: 20,
    time_to_limit_high_days: 33,
    model: 'linear',
    significant: true,
    points: days.map((d) => ({ at: new Date((start + d * 86_400) * 1000).toISOString(), value: 100 + 2 * d, low: 100 + 1.5 * d, high: 100 + 2.5 * d })),
  };
}

describe('overlayForecast', () => {
  const hist = [t0, t0 + H, t0 + 2 * H, t0 + 3 * H];

  it('leaves the history as it is without a forecast', () => {
    const o = overlayForecast(hist, [], () => '#000');
    expect(o.xs).toBe(hist);
    expect(o.end).toBeNull();
    const col = [1, null, 3, 4];
    expect(o.place(col)).toBe(col);
    expect(o.forecasts.size).toBe(0);
  });

  it('merges the daily points into one sorted x column; each series is undefined where it has no point', () => {
    // The first projected point falls on a history bucket (now), one between two buckets, the rest after.
    const fc = channel('motor_temp', [0, 0.5 / 24, 1, 2]);
    const o = overlayForecast(hist, [fc], () => '#7b2cbf');
    const between = t0 + 2 * H + 0.5 * H;
    expect(o.xs).toEqual([t0, t0 + H, t0 + 2 * H, between, t0 + 3 * H, t0 + 2 * H + 86_400, t0 + 2 * H + 2 * 86_400]);
    expect(o.end).toBe(t0 + 2 * H + 2 * 86_400);
    // History: a real gap (null) stays a gap; positions only the forecast has are undefined.
    expect(o.place([10, null, 12, 13])).toEqual([10, null, 12, undefined, 13, undefined, undefined]);
    const f = o.forecasts.get('motor_temp')!;
    expect(f.color).toBe('#7b2cbf');
    expect(f.value).toEqual([undefined, undefined, 100, 100 + 2 / 48, undefined, 102, 104]);
    expect(f.low[6]).toBe(103);
    expect(f.high[6]).toBe(105);
  });

  it('draws a flow trend on the normalised-flow chart and skips channels without points', () => {
    const o = overlayForecast(hist, [channel('flow_rate', [0, 1]), channel('vibration', [])], () => '#000');
    expect([...o.forecasts.keys()]).toEqual(['flow_normalised']);
    expect(FORECAST_CHART.flow_rate).toBe('flow_normalised');
    expect(FORECAST_CHART.motor_temp).toBe('motor_temp');
  });
});
