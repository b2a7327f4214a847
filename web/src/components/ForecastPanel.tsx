// Forecast / early warning: the warnings (what limit is expected when, how early, how sure) and the trends that
// head towards a limit, each with its slope, interval and the growth model chosen from the data.
import type { JSX } from 'preact';
import { CHANNEL_META } from '../channels';
import { codeLabel, date, dateTime, days, estimate, num, pct } from '../format';
import type { Forecast, ForecastChannel, TrendChannel } from '../types';

/** How a trend channel is named and measured (flow trends are on flow normalised to base frequency). */
export function trendLabel(c: TrendChannel): string {
  return c === 'flow_rate' ? 'Flow (normalised)' : CHANNEL_META[c].label;
}

function unit(c: TrendChannel): string {
  return CHANNEL_META[c].unit;
}

/** Enough decimals for a slope: a tenth of the channel's usual resolution, at most 3. */
function slopeDigits(c: ForecastChannel): number {
  const base = CHANNEL_META[c.channel].digits;
  const mag = Math.abs(c.slope_per_day);
  return Math.min(3, mag >= 10 ? base : mag >= 1 ? base + 1 : base + 2);
}

/** "12 d (8.5–20 d)"; an open upper bound when the slow end of the interval does not reach the limit. */
function ttlText(c: ForecastChannel, horizon: number): string {
  return estimate(c.time_to_limit_days, c.time_to_limit_low_days, c.time_to_limit_high_days, {
    digits: 'days',
    unit: 'd',
    unitAfterInterval: true,
    openHigh: `>${horizon}`,
  });
}

export function ForecastPanel(p: { forecast: Forecast | null; loading: boolean; error: string; horizonDays: number }): JSX.Element {
  const f = p.forecast;
  return (
    <section class="panel forecast-panel" aria-labelledby="fc-title" data-testid="forecast-panel" aria-busy={p.loading ? 'true' : 'false'}>
      <div class="panel-head">
        <h2 id="fc-title">Forecast / early warning</h2>
        <span class="muted small">
          {f ? `generated ${dateTime(f.generated_at)} · horizon ${f.horizon_days} d` : p.loading ? 'computing…' : `horizon ${p.horizonDays} d`}
        </span>
      </div>
      {p.error ? (
        <p class="error" role="alert">
          Could not load the forecast: {p.error}
        </p>
      ) : null}
      {f ? (
        <>
          <h3>Warnings</h3>
          {f.warnings.length === 0 ? (
            <p class="muted" data-testid="no-warnings">
              No early warning: no significant trend reaches a limit within {f.horizon_days} days.
            </p>
          ) : (
            <div class="table-wrap">
              <table class="data" data-testid="forecast-warnings">
                <thead>
                  <tr>
                    <th scope="col">Code</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Expected</th>
                    <th scope="col" class="num">
                      Lead
                    </th>
                    <th scope="col" class="num">
                      Confidence
                    </th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {f.warnings.map((w, i) => (
                    <tr key={i} data-testid="forecast-warning" data-code={w.code} data-channel={w.channel}>
                      <td class="strong">{codeLabel(w.code)}</td>
                      <td>{trendLabel(w.channel)}</td>
                      <td title={dateTime(w.expected_at)}>{date(w.expected_at)}</td>
                      <td class="num">{days(w.lead_days)}</td>
                      <td class="num">{pct(w.confidence)}</td>
                      <td>{w.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3>Trends heading to a limit</h3>
          {f.channels.length === 0 ? (
            <p class="muted" data-testid="no-trends">
              No significant trend towards a limit.
            </p>
          ) : (
            <div class="table-wrap">
              <table class="data" data-testid="forecast-trends">
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col" class="num">
                      Now
                    </th>
                    <th scope="col" class="num">
                      Slope per day (95 % CI)
                    </th>
                    <th scope="col" class="num">
                      Limit
                    </th>
                    <th scope="col" class="num">
                      Time to limit (95 % CI)
                    </th>
                    <th scope="col">Expected</th>
                    <th scope="col">Model</th>
                  </tr>
                </thead>
                <tbody>
                  {f.channels.map((c) => {
                    const digits = CHANNEL_META[c.channel].digits;
                    return (
                      <tr key={c.channel} data-testid="forecast-trend" data-channel={c.channel} data-ttl={c.time_to_limit_days ?? ''}>
                        <td class="strong">{trendLabel(c.channel)}</td>
                        <td class="num">
                          {num(c.value_now, digits)} <span class="unit">{unit(c.channel)}</span>
                        </td>
                        <td class="num">
                          {c.slope_per_day > 0 ? '+' : ''}
                          {estimate(c.slope_per_day, c.slope_per_day_low, c.slope_per_day_high, { digits: slopeDigits(c), unit: `${unit(c.channel)}/d` })}
                        </td>
                        <td class="num">
                          {num(c.limit, digits)} <span class="unit">{unit(c.channel)}</span>
                          <span class="sub">{c.limit_source === 'nameplate' ? 'nameplate' : 'default'}</span>
                        </td>
                        <td class="num">
                          {c.time_to_limit_days == null ? (
                            <span class="muted">beyond {f.horizon_days} d</span>
                          ) : (
                            ttlText(c, f.horizon_days)
                          )}
                        </td>
                        <td>{c.time_to_limit_days != null ? date(Date.parse(f.generated_at) + c.time_to_limit_days * 86_400_000) : '—'}</td>
                        <td>
                          {c.model}
                          {c.significant ? null : <span class="sub">not significant</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : !p.error ? (
        <p class="muted">{p.loading ? 'Loading the forecast…' : 'No forecast.'}</p>
      ) : null}
    </section>
  );
}
