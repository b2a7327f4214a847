// Reliability: run lives of the pumps grouped by pump model or field: Kaplan–Meier survival with its band, the
// Weibull fit (shape β, scale η), MTBF and survival at one year with their 95 % intervals, and the run-life table.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { SurvivalChart } from '../components/SurvivalChart';
import { date, dateTime, estimate, num, type EstimateStyle } from '../format';
import { wellHref } from '../router';
import { useData } from '../useData';
import { RELIABILITY_GROUPS, type Estimate, type ReliabilityGroup, type ReliabilityGroupBy } from '../types';

const GROUP_LABEL: Record<ReliabilityGroupBy, string> = { pump_model: 'Pump model', field: 'Field' };

function est(e: Estimate | null | undefined, style: EstimateStyle): string {
  return e ? estimate(e.value, e.low, e.high, style) : '—';
}

/** A probability and its interval in per cent: "71.5 % (60.2–80.1 %)". */
const PERCENT: EstimateStyle = { digits: 1, scale: 100, unit: '%', unitAfterInterval: true };

export function Reliability(): JSX.Element {
  const [groupBy, setGroupBy] = useState<ReliabilityGroupBy>('pump_model');
  const { data: report, error: err, loading, reload } = useData((signal) => api.reliability(groupBy, signal), [groupBy]);

  const groups = report && report.group_by === groupBy ? report.groups : [];

  return (
    <section class="page reliability-page" aria-labelledby="rel-title" aria-busy={loading ? 'true' : 'false'}>
      <div class="page-head">
        <h1 id="rel-title">Reliability</h1>
        <p class="muted">Run life of the pumps from their install, pull and failure events; pumps still running are censored.</p>
      </div>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Group by</span>
          <select value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as ReliabilityGroupBy)} data-testid="reliability-group-by">
            {RELIABILITY_GROUPS.map((g) => (
              <option key={g} value={g}>
                {GROUP_LABEL[g]}
              </option>
            ))}
          </select>
        </label>
        <p class="shown" aria-live="polite" data-testid="reliability-shown">
          {loading ? 'Loading…' : report ? `${groups.length} ${groups.length === 1 ? 'group' : 'groups'} · computed ${dateTime(report.generated_at)}` : ''}
        </p>
        <button type="button" class="ghost" onClick={reload} disabled={loading}>
          Reload
        </button>
      </form>
      {err ? (
        <p class="error" role="alert">
          Could not load the reliability report: {err}
        </p>
      ) : null}
      {report && !loading && groups.length === 0 ? (
        <p class="note" data-testid="reliability-empty">
          No run life yet: record pump installs (and pulls or failures) on the wells' pages.
        </p>
      ) : null}
      <div class="rel-groups">
        {groups.map((g) => (
          <GroupCard key={g.group} g={g} groupBy={groupBy} />
        ))}
      </div>
    </section>
  );
}

function GroupCard({ g, groupBy }: { g: ReliabilityGroup; groupBy: ReliabilityGroupBy }): JSX.Element {
  const lives = [...g.run_lives].sort((a, b) => Date.parse(b.install_at) - Date.parse(a.install_at));
  return (
    <section class="panel rel-group" aria-labelledby={`rel-${g.group}`} data-testid="reliability-group" data-group={g.group}>
      <h2 id={`rel-${g.group}`}>
        <span class="muted small">{GROUP_LABEL[groupBy]}</span> {g.group}
      </h2>
      <div class="rel-body">
        <div class="rel-chart">
          <SurvivalChart group={g} />
          <p class="muted small">
            Step line: Kaplan–Meier survival with its 95 % band; dashed: Weibull fit; ticks: pumps still running (censored).
          </p>
        </div>
        <div class="rel-side">
          <dl class="rel-stats" data-testid="reliability-stats">
            <div>
              <dt>Installs</dt>
              <dd data-testid="rel-installs">{g.installs}</dd>
            </div>
            <div>
              <dt>Failures</dt>
              <dd data-testid="rel-failures">{g.failures}</dd>
            </div>
            <div>
              <dt>Still running (censored)</dt>
              <dd data-testid="rel-censored">{g.censored}</dd>
            </div>
            <div>
              <dt>Weibull shape β</dt>
              <dd>{est(g.weibull?.shape, { digits: 2 })}</dd>
            </div>
            <div>
              <dt>Weibull scale η</dt>
              <dd>{est(g.weibull?.scale_days, { unit: 'd' })}</dd>
            </div>
            <div>
              <dt>MTBF</dt>
              <dd data-testid="rel-mtbf">{est(g.mtbf_days, { unit: 'd' })}</dd>
            </div>
            <div>
              <dt>Survival at 365 d</dt>
              <dd data-testid="rel-s365">{est(g.survival_365, PERCENT)}</dd>
            </div>
            <div>
              <dt>Trips per pump-month</dt>
              <dd>{num(g.trips_per_month, 2)}</dd>
            </div>
          </dl>
          <p class="muted small">
            {g.weibull == null ? 'Too few failures for a Weibull fit. ' : ''}Intervals in brackets are 95 % confidence intervals.
          </p>
        </div>
      </div>
      <details class="rel-lives">
        <summary>
          Run-life table ({lives.length} {lives.length === 1 ? 'run' : 'runs'})
        </summary>
        <div class="table-wrap scroll">
          <table class="data" data-testid="run-life-table">
            <thead>
              <tr>
                <th scope="col">Well</th>
                <th scope="col">Installed</th>
                <th scope="col">Ended</th>
                <th scope="col" class="num">
                  Run life
                </th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {lives.map((r, i) => (
                <tr key={`${r.well_id}-${r.install_at}-${i}`} data-testid="run-life" data-failed={r.failed ? 'true' : 'false'}>
                  <td>
                    <a href={wellHref(r.well_id)}>{r.well_id}</a>
                  </td>
                  <td>{date(r.install_at)}</td>
                  <td>{r.end_at ? date(r.end_at) : <span class="muted">running</span>}</td>
                  <td class="num">{num(r.days)} d</td>
                  <td>{r.failed ? <span class="st-active">failed</span> : r.end_at ? 'pulled (censored)' : <span class="muted">running (censored)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
