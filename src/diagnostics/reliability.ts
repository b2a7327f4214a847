// Run-life statistics (ESP-DIAGNOSTICS.md section 6): Kaplan–Meier survival with Greenwood's variance and a
// log-log confidence band, and a two-parameter Weibull fitted by maximum likelihood with right censoring, with
// Wald intervals from the observed information. No statistics library on npm is both maintained and covers
// censored Weibull fits with intervals, so the estimators are written here, small, and checked against
// published values in reliability.test.ts.
import type {
  Estimate,
  PumpEventType,
  ReliabilityGroup,
  ReliabilityGroupBy,
  ReliabilityReport,
  RunLife,
  SurvivalPoint,
} from '../domain/surveillance.js';

/** One unit's life: `time` until failure (`failed`) or until it was last seen working (censored). */
export interface Lifetime {
  time: number;
  failed: boolean;
}

/** Two-sided 95 % normal quantile. */
export const Z95 = 1.959963984540054;

/**
 * Kaplan–Meier product-limit estimate at each distinct failure time. Censorings tied with failures count as at
 * risk at that time (the usual convention). The band is Greenwood's variance on the log(−log S) scale (as R's
 * `survfit(conf.type = "log-log")`), which stays inside [0, 1].
 */
export function kaplanMeier(lives: readonly Lifetime[], z = Z95): (SurvivalPoint & { std_err: number })[] {
  const sorted = lives.filter((l) => Number.isFinite(l.time) && l.time >= 0).sort((a, b) => a.time - b.time);
  const out: (SurvivalPoint & { std_err: number })[] = [];
  let atRisk = sorted.length;
  let s = 1;
  let greenwood = 0;
  for (let i = 0; i < sorted.length; ) {
    const t = sorted[i].time;
    let events = 0;
    let leaving = 0;
    while (i < sorted.length && sorted[i].time === t) {
      if (sorted[i].failed) events++;
      leaving++;
      i++;
    }
    if (events > 0) {
      s *= 1 - events / atRisk;
      // Greenwood's sum; undefined once everyone at risk has failed (S = 0).
      greenwood += atRisk > events ? events / (atRisk * (atRisk - events)) : Number.POSITIVE_INFINITY;
      const se = s * Math.sqrt(greenwood);
      let low = 0;
      let high = 1;
      if (s > 0 && s < 1 && Number.isFinite(greenwood)) {
        // Var(log(−log S)) = Greenwood / (log S)²
        const w = (z * Math.sqrt(greenwood)) / Math.abs(Math.log(s));
        low = Math.pow(s, Math.exp(w));
        high = Math.pow(s, Math.exp(-w));
      } else if (s === 0) {
        high = 0;
      }
      out.push({ t_days: t, survival: s, low, high, at_risk: atRisk, events, std_err: Number.isFinite(se) ? se : 0 });
    }
    atRisk -= leaving;
  }
  return out;
}

/** Kaplan–Meier survival (with band) at time t from the curve's steps. */
export function survivalAt(curve: readonly SurvivalPoint[], t: number): Estimate {
  let e: Estimate = { value: 1, low: 1, high: 1 };
  for (const p of curve) {
    if (p.t_days > t) break;
    e = { value: p.survival, low: p.low, high: p.high };
  }
  return e;
}

export interface WeibullFit {
  /** β: > 1 wear-out, < 1 infant mortality. */
  shape: Estimate;
  /** η, in the lifetimes' unit. */
  scale: Estimate;
  /** Covariance of (β, ln η) from the inverse observed information. */
  covariance: [[number, number], [number, number]];
  logLikelihood: number;
  failures: number;
  n: number;
}

/** ln Γ(x), x > 0 (Lanczos, g = 7, 9 terms: ~15 significant digits). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const xm = x - 1;
  let a = c[0];
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(x) = d ln Γ(x) / dx, x > 0 (recurrence up to 6, then the asymptotic series). */
export function digamma(x: number): number {
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/**
 * Two-parameter Weibull by maximum likelihood with right censoring. β solves the profile score equation
 *   Σ tᵢ^β ln tᵢ / Σ tᵢ^β − 1/β − (1/r) Σ_failures ln tᵢ = 0   (increasing in β: bisection on ln β),
 * then η = (Σ tᵢ^β / r)^(1/β). Intervals are Wald intervals on ln β and ln η from the observed information.
 * Null when there are fewer than two failures or the failure times are all equal (no finite maximum).
 */
export function fitWeibull(lives: readonly Lifetime[], z = Z95): WeibullFit | null {
  const data = lives.filter((l) => Number.isFinite(l.time) && l.time > 0);
  const failures = data.filter((l) => l.failed);
  const r = failures.length;
  if (r < 2) return null;
  const failLogs = failures.map((l) => Math.log(l.time));
  if (Math.max(...failLogs) - Math.min(...failLogs) < 1e-12) return null;
  // Times scaled by their maximum: t^β stays finite for large β.
  const tMax = Math.max(...data.map((l) => l.time));
  const y = data.map((l) => Math.log(l.time / tMax));
  const yFail = failLogs.map((v) => v - Math.log(tMax));
  const meanYFail = yFail.reduce((a, b) => a + b, 0) / r;
  const score = (beta: number) => {
    let s0 = 0;
    let s1 = 0;
    for (const v of y) {
      const w = Math.exp(beta * v);
      s0 += w;
      s1 += w * v;
    }
    return s1 / s0 - 1 / beta - meanYFail;
  };
  let lo = Math.log(1e-3);
  let hi = Math.log(1e3);
  if (score(Math.exp(lo)) > 0 || score(Math.exp(hi)) < 0) return null;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (score(Math.exp(mid)) < 0) lo = mid;
    else hi = mid;
  }
  const beta = Math.exp((lo + hi) / 2);
  let sumW = 0;
  for (const v of y) sumW += Math.exp(beta * v);
  const u = Math.log(sumW / r) / beta; // ln(η / tMax)
  // Observed information in (β, u = ln η): second derivatives of
  //   l = r ln β − rβu + (β − 1) Σ_f yᵢ − Σ exp(β(yᵢ − u)).
  let sw = 0;
  let swd = 0;
  let swd2 = 0;
  for (const v of y) {
    const d = v - u;
    const w = Math.exp(beta * d);
    sw += w;
    swd += w * d;
    swd2 += w * d * d;
  }
  const hBB = -r / (beta * beta) - swd2;
  const hUU = -beta * beta * sw;
  const hBU = -r + sw + beta * swd;
  const det = hBB * hUU - hBU * hBU;
  // Inverse of the information matrix (−H).
  const vBB = -hUU / det;
  const vUU = -hBB / det;
  const vBU = hBU / det;
  const lnEta = u + Math.log(tMax);
  const seLnBeta = Math.sqrt(vBB) / beta;
  const seLnEta = Math.sqrt(vUU);
  let logLik = 0;
  for (const l of data) {
    const w = Math.pow(l.time / Math.exp(lnEta), beta);
    logLik -= w;
    if (l.failed) logLik += Math.log(beta) - lnEta + (beta - 1) * (Math.log(l.time) - lnEta);
  }
  return {
    shape: { value: beta, low: beta * Math.exp(-z * seLnBeta), high: beta * Math.exp(z * seLnBeta) },
    scale: { value: Math.exp(lnEta), low: Math.exp(lnEta - z * seLnEta), high: Math.exp(lnEta + z * seLnEta) },
    covariance: [
      [vBB, vBU],
      [vBU, vUU],
    ],
    logLikelihood: logLik,
    failures: r,
    n: data.length,
  };
}

/** Standard error of a function g(β, ln η) by the delta method, from its gradient. */
function deltaSe(fit: WeibullFit, dBeta: number, dLnEta: number): number {
  const [[a, b], [, c]] = fit.covariance;
  return Math.sqrt(Math.max(0, dBeta * dBeta * a + 2 * dBeta * dLnEta * b + dLnEta * dLnEta * c));
}

/** Mean life η·Γ(1 + 1/β), with a Wald interval on its logarithm (delta method). */
export function weibullMean(fit: WeibullFit, z = Z95): Estimate {
  const beta = fit.shape.value;
  const lnMean = Math.log(fit.scale.value) + lnGamma(1 + 1 / beta);
  const se = deltaSe(fit, -digamma(1 + 1 / beta) / (beta * beta), 1);
  return { value: Math.exp(lnMean), low: Math.exp(lnMean - z * se), high: Math.exp(lnMean + z * se) };
}

/** Survival exp(−(t/η)^β) at t, with a Wald interval on log(−log S) = β(ln t − ln η). */
export function weibullSurvival(fit: WeibullFit, t: number, z = Z95): Estimate {
  const beta = fit.shape.value;
  const lnEta = Math.log(fit.scale.value);
  const g = beta * (Math.log(t) - lnEta);
  const se = deltaSe(fit, Math.log(t) - lnEta, -beta);
  const s = (x: number) => Math.exp(-Math.exp(x));
  return { value: s(g), low: s(g + z * se), high: s(g - z * se) };
}

// ------------------------------------------------------------------------------------------------ run lives

export interface RunLifeEvent {
  well_id: string;
  type: PumpEventType;
  /** Epoch ms. */
  at: number;
  pump_model: string | null;
  field: string | null;
  source: 'manual' | 'detected';
}

const DAY_MS = 86_400_000;
const MONTH_DAYS = 365.25 / 12;
/** A detected trip this close to a posted stop, pull, trip or failure is that event, not another trip. */
const SAME_EVENT_MS = 3_600_000;

interface Run extends RunLife {
  pump_model: string | null;
  field: string | null;
  trips: number;
}

/**
 * Run lives from pump events (sorted by well, then time): an install starts a run; a failure ends it as failed;
 * a pull ends it as censored (pulled while working) unless it already failed; a new install without a pull
 * ends the previous run censored. A run still going is censored at `now`. Trips inside a run are counted with
 * it; a detected trip within an hour of a posted stop, pull, trip or failure is that event, not another one.
 */
export function buildRunLives(events: readonly RunLifeEvent[], now: number): Run[] {
  const runs: Run[] = [];
  const byWell = new Map<string, RunLifeEvent[]>();
  for (const e of events) {
    let list = byWell.get(e.well_id);
    if (!list) byWell.set(e.well_id, (list = []));
    list.push(e);
  }
  for (const [wellId, list] of byWell) {
    list.sort((a, b) => a.at - b.at);
    const posted = list.filter((e) => e.source === 'manual' && e.type !== 'install' && e.type !== 'start').map((e) => e.at);
    let open: (Run & { start: number }) | null = null;
    const close = (end: number, failed: boolean) => {
      if (!open) return;
      open.end_at = new Date(end).toISOString();
      open.days = Math.max(0, (end - open.start) / DAY_MS);
      open.failed = failed;
      const { start: _start, ...run } = open;
      runs.push(run);
      open = null;
    };
    for (const e of list) {
      if (e.type === 'install') {
        close(e.at, false);
        open = { well_id: wellId, install_at: new Date(e.at).toISOString(), end_at: null, days: 0, failed: false, pump_model: e.pump_model, field: e.field, trips: 0, start: e.at };
      } else if (e.type === 'failure') {
        close(e.at, true);
      } else if (e.type === 'pull') {
        close(e.at, false);
      } else if (e.type === 'trip' && open) {
        if (e.source === 'detected' && posted.some((t) => Math.abs(t - e.at) <= SAME_EVENT_MS)) continue;
        open.trips++;
      }
    }
    if (open) {
      const o: Run & { start: number } = open;
      o.days = Math.max(0, (now - o.start) / DAY_MS);
      const { start: _start, ...run } = o;
      runs.push(run);
    }
  }
  return runs;
}

/** Per group (pump model or field): counts, run lives, Kaplan–Meier, Weibull, MTBF, survival at 365 days, trips. */
export function reliabilityReport(events: readonly RunLifeEvent[], groupBy: ReliabilityGroupBy, now: number): ReliabilityReport {
  const runs = buildRunLives(events, now);
  const groups = new Map<string, Run[]>();
  for (const r of runs) {
    const key = (groupBy === 'pump_model' ? r.pump_model : r.field) ?? (groupBy === 'pump_model' ? 'unknown' : 'unassigned');
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const out: ReliabilityGroup[] = [];
  for (const [group, list] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const lives: Lifetime[] = list.map((r) => ({ time: r.days, failed: r.failed }));
    const km = kaplanMeier(lives);
    const curve: SurvivalPoint[] = [
      { t_days: 0, survival: 1, low: 1, high: 1, at_risk: lives.length, events: 0 },
      ...km.map(({ std_err: _se, ...p }) => p),
    ];
    const fit = fitWeibull(lives);
    const failures = list.filter((r) => r.failed).length;
    const runDays = list.reduce((a, r) => a + r.days, 0);
    let survival365: Estimate | null = null;
    if (fit) survival365 = weibullSurvival(fit, 365);
    else if (failures > 0 && lives.some((l) => l.time >= 365)) survival365 = survivalAt(curve, 365);
    out.push({
      group,
      installs: list.length,
      failures,
      censored: list.length - failures,
      run_lives: list.map(({ well_id, install_at, end_at, days, failed }) => ({ well_id, install_at, end_at, days, failed })),
      kaplan_meier: curve,
      weibull: fit ? { shape: fit.shape, scale_days: fit.scale } : null,
      mtbf_days: fit ? weibullMean(fit) : null,
      survival_365: survival365,
      trips_per_month: runDays > 0 ? list.reduce((a, r) => a + r.trips, 0) / (runDays / MONTH_DAYS) : null,
    });
  }
  return { group_by: groupBy, generated_at: new Date(now).toISOString(), groups: out };
}
