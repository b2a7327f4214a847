import { describe, expect, it } from 'vitest';
import {
  buildRunLives,
  digamma,
  fitWeibull,
  kaplanMeier,
  lnGamma,
  reliabilityReport,
  survivalAt,
  weibullMean,
  weibullSurvival,
  type Lifetime,
  type RunLifeEvent,
} from './reliability.js';

// Freireich et al. (1963), 6-MP arm of the leukaemia remission trial (weeks; * = censored), the textbook
// Kaplan–Meier example (Kalbfleisch & Prentice; Klein & Moeschberger; Collett).
const SIX_MP: Lifetime[] = '6 6 6 6* 7 9* 10 10* 11* 13 16 17* 19* 20* 22 23 25* 32* 32* 34* 35*'
  .split(' ')
  .map((s) => ({ time: Number(s.replace('*', '')), failed: !s.endsWith('*') }));

describe('Kaplan–Meier', () => {
  it('reproduces the published listing of the Gehan control arm: S, Greenwood SE and the log-log interval', () => {
    // G. Rodríguez, "Kaplan-Meier Survival", Princeton (data.princeton.edu/eco572/KaplanMeier.html and
    // pop509/gehan.html): Stata `sts list, by(group)` on the Gehan (Freireich) data prints for the control arm
    //   Time Beg.Total Fail Net Lost  Survivor Function  Std. Error  [95% Conf. Int.]
    //    1      21      2     0          0.9048           0.0641     0.6700  0.9753
    //    2      19      2     0          0.8095           0.0857     0.5689  0.9239
    // (Stata's interval is the log-log one, as here.) Control arm: 21 relapses, no censoring (Cox & Oakes Table 1.1).
    const control = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23].map((time) => ({ time, failed: true }));
    const km = kaplanMeier(control);
    const published: [number, number, number, number, number, number, number][] = [
      [1, 21, 2, 0.9048, 0.0641, 0.67, 0.9753],
      [2, 19, 2, 0.8095, 0.0857, 0.5689, 0.9239],
    ];
    for (const [i, [t, atRisk, events, s, se, low, high]] of published.entries()) {
      expect(km[i].t_days).toBe(t);
      expect(km[i].at_risk, `n at ${t}`).toBe(atRisk);
      expect(km[i].events, `d at ${t}`).toBe(events);
      expect(km[i].survival, `S(${t})`).toBeCloseTo(s, 4);
      expect(km[i].std_err, `SE(${t})`).toBeCloseTo(se, 4);
      expect(km[i].low, `low(${t})`).toBeCloseTo(low, 4);
      expect(km[i].high, `high(${t})`).toBeCloseTo(high, 4);
    }
  });

  it('reproduces the 6-MP arm survival estimates and Greenwood standard errors (censored)', () => {
    const km = kaplanMeier(SIX_MP);
    // time, n at risk, d, S(t), Greenwood SE: the textbook product-limit table for the 6-MP arm (Klein &
    // Moeschberger, Survival Analysis, 2nd ed., §4.2). The censored arm complements the published control-arm
    // listing above: same estimator, with the risk set shrinking at censored times.
    const published: [number, number, number, number, number][] = [
      [6, 21, 3, 0.857, 0.076],
      [7, 17, 1, 0.807, 0.087],
      [10, 15, 1, 0.753, 0.096],
      [13, 12, 1, 0.69, 0.107],
      [16, 11, 1, 0.627, 0.114],
      [22, 7, 1, 0.538, 0.128],
      [23, 6, 1, 0.448, 0.135],
    ];
    expect(km.map((p) => p.t_days)).toEqual(published.map((p) => p[0]));
    for (const [i, [t, atRisk, events, s, se]] of published.entries()) {
      expect(km[i].at_risk, `n at ${t}`).toBe(atRisk);
      expect(km[i].events, `d at ${t}`).toBe(events);
      expect(km[i].survival, `S(${t})`).toBeCloseTo(s, 3);
      expect(km[i].std_err, `SE(${t})`).toBeCloseTo(se, 3);
    }
  });

  it('gives the log-log band (R survfit conf.type = "log-log"): inside [0, 1] and around S', () => {
    const km = kaplanMeier(SIX_MP);
    // S(6) = 0.857, Greenwood sum 3/(21·18) → band exp(±1.96·√(3/378)/|ln 0.857|) as exponent of S.
    const w = (1.959963984540054 * Math.sqrt(3 / 378)) / Math.abs(Math.log(18 / 21));
    expect(km[0].low).toBeCloseTo(Math.pow(18 / 21, Math.exp(w)), 10);
    expect(km[0].high).toBeCloseTo(Math.pow(18 / 21, Math.exp(-w)), 10);
    // Published (R 4.x, survfit(Surv(t, d) ~ 1, conf.type = "log-log")): 0.620–0.952 at t = 6, 0.188–0.680 at 23.
    expect(km[0].low).toBeCloseTo(0.62, 2);
    expect(km[0].high).toBeCloseTo(0.952, 2);
    expect(km[6].low).toBeCloseTo(0.188, 2);
    expect(km[6].high).toBeCloseTo(0.68, 2);
    for (const p of km) {
      expect(p.low).toBeGreaterThanOrEqual(0);
      expect(p.high).toBeLessThanOrEqual(1);
      expect(p.low).toBeLessThan(p.survival);
      expect(p.high).toBeGreaterThan(p.survival);
    }
  });

  it('steps: survival at a time between failures is the last step; 1 before the first failure', () => {
    const km = kaplanMeier(SIX_MP);
    expect(survivalAt(km, 5).value).toBe(1);
    expect(survivalAt(km, 12).value).toBeCloseTo(0.753, 3);
    expect(survivalAt(km, 100).value).toBeCloseTo(0.448, 3);
  });

  it('handles all-censored, empty and everyone-failed samples', () => {
    expect(kaplanMeier([])).toEqual([]);
    expect(kaplanMeier([{ time: 5, failed: false }])).toEqual([]);
    const all = kaplanMeier([
      { time: 1, failed: true },
      { time: 2, failed: true },
    ]);
    expect(all.map((p) => p.survival)).toEqual([0.5, 0]);
    expect(all[1].low).toBe(0);
    expect(all[1].high).toBe(0);
  });
});

describe('special functions', () => {
  it('lnΓ and ψ match known values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 10);
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 10);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 10);
    expect(digamma(12.3)).toBeCloseTo(2.46835, 4);
  });
});

describe('Weibull maximum likelihood', () => {
  it('matches the NAG Library g07bef/g07bec example (20 exact observations)', () => {
    // NAG example data and documented results: in NAG's parametrisation f = λγx^(γ−1)exp(−λx^γ),
    // BETA = ln λ = −2.1073 (s.e. 0.4627), GAMMA = γ = 2.7870 (s.e. 0.4273). Here shape = γ, η = λ^(−1/γ).
    const x = [1.1, 1.4, 1.3, 1.7, 1.9, 1.8, 1.6, 2.2, 1.7, 2.7, 4.1, 1.8, 1.5, 1.2, 1.4, 3.0, 1.7, 2.3, 1.6, 2.0];
    const fit = fitWeibull(x.map((time) => ({ time, failed: true })))!;
    expect(fit.shape.value).toBeCloseTo(2.787, 3);
    expect(fit.scale.value).toBeCloseTo(Math.exp(2.1073 / 2.787), 3);
    // Standard errors from the observed information, in NAG's parameters: se(γ) directly; ln λ = −γ ln η.
    const [[vBB, vBU], [, vUU]] = fit.covariance;
    expect(Math.sqrt(vBB)).toBeCloseTo(0.4273, 3);
    const lnEta = Math.log(fit.scale.value);
    const gamma = fit.shape.value;
    const seLnLambda = Math.sqrt(lnEta * lnEta * vBB + 2 * lnEta * gamma * vBU + gamma * gamma * vUU);
    expect(seLnLambda).toBeCloseTo(0.4627, 3);
  });

  it('matches the reliability package’s documented fit of the censored automotive data set', () => {
    // Krivtsov & Case (1999), SAE Technical Paper 1999-01-3220: 10 failures and 21 right-censored units (miles),
    // shipped as reliability.Datasets.automotive. The package's documentation (reliability.readthedocs.io,
    // "Datasets" page; docs/Datasets.rst in MatthewReid854/reliability) prints for
    // Fit_Weibull_2P(failures=automotive().failures, right_censored=automotive().right_censored):
    //   Failures / Right censored: 10/21;  Alpha 134243 (SE 42371.1, 95 % CI 72314.7–249204),
    //   Beta 1.15586 (SE 0.295842, 95 % CI 0.699905–1.90884);  Log-likelihood −128.974.
    // The likelihood is very flat here: the printed point has a log-likelihood 4.6e-5 below the maximum this fit
    // reaches (both evaluate to −128.974 at the printed precision), so β and η agree to the optimiser's tolerance
    // (β to 2 decimals, η within 0.5 %), and the intervals to about 1 %.
    const failures = [5248, 7454, 16890, 17200, 38700, 45000, 49390, 69040, 72280, 131900];
    const censored = [3961, 4007, 4734, 6054, 7298, 10190, 23060, 27160, 28690, 37100, 40060, 45670, 53000, 67000, 69630, 77350, 78470, 91680, 105700, 106300, 150400];
    const fit = fitWeibull([...failures.map((time) => ({ time, failed: true })), ...censored.map((time) => ({ time, failed: false }))])!;
    expect(fit.failures).toBe(10);
    expect(fit.n).toBe(31);
    expect(fit.logLikelihood).toBeCloseTo(-128.974, 3);
    expect(fit.shape.value).toBeCloseTo(1.15586, 2);
    expect(Math.abs(fit.scale.value / 134243 - 1)).toBeLessThan(0.005);
    // Standard error of β from the observed information.
    expect(Math.sqrt(fit.covariance[0][0])).toBeCloseTo(0.295842, 2);
    // 95 % intervals (log-normal, as the package computes them).
    expect(Math.abs(fit.shape.low / 0.699905 - 1)).toBeLessThan(0.01);
    expect(Math.abs(fit.shape.high / 1.90884 - 1)).toBeLessThan(0.01);
    expect(Math.abs(fit.scale.low / 72314.7 - 1)).toBeLessThan(0.01);
    expect(Math.abs(fit.scale.high / 249204 - 1)).toBeLessThan(0.01);
  });

  it('mean life η·Γ(1+1/β) and survival at t, with intervals that contain them', () => {
    const fit = fitWeibull(SIX_MP)!;
    expect(fit.failures).toBe(9);
    expect(fit.n).toBe(21);
    const [beta, eta] = [fit.shape.value, fit.scale.value];
    const mean = weibullMean(fit);
    expect(mean.value).toBeCloseTo(eta * Math.exp(lnGamma(1 + 1 / beta)), 8);
    expect(mean.low).toBeLessThan(mean.value);
    expect(mean.high).toBeGreaterThan(mean.value);
    const s = weibullSurvival(fit, 10);
    expect(s.value).toBeCloseTo(Math.exp(-Math.pow(10 / eta, beta)), 8);
    expect(s.low).toBeLessThan(s.value);
    expect(s.high).toBeGreaterThan(s.value);
    // The parametric curve agrees with Kaplan–Meier on these data to within its band.
    const km = survivalAt(kaplanMeier(SIX_MP), 10);
    expect(s.value).toBeGreaterThan(km.low);
    expect(s.value).toBeLessThan(km.high);
  });

  it('recovers the parameters of a large simulated censored sample', () => {
    // Deterministic pseudo-random sample (β = 2.5, η = 800 days), censored at 1 000 days and at random.
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
    const lives: Lifetime[] = [];
    for (let i = 0; i < 4000; i++) {
      const t = 800 * Math.pow(-Math.log(rand()), 1 / 2.5);
      const c = Math.min(1000, 2000 * rand());
      lives.push({ time: Math.min(t, c), failed: t <= c });
    }
    const fit = fitWeibull(lives)!;
    expect(fit.shape.low).toBeLessThan(2.5);
    expect(fit.shape.high).toBeGreaterThan(2.5);
    expect(fit.scale.low).toBeLessThan(800);
    expect(fit.scale.high).toBeGreaterThan(800);
    expect(Math.abs(fit.shape.value - 2.5)).toBeLessThan(0.15);
  });

  it('refuses samples without a finite maximum', () => {
    expect(fitWeibull([])).toBeNull();
    expect(fitWeibull([{ time: 10, failed: true }, { time: 20, failed: false }])).toBeNull();
    expect(fitWeibull([{ time: 10, failed: true }, { time: 10, failed: true }, { time: 30, failed: false }])).toBeNull();
  });
});

describe('run lives and the reliability report', () => {
  const D = 86_400_000;
  const t0 = Date.UTC(2024, 0, 1);
  const ev = (well_id: string, type: RunLifeEvent['type'], day: number, extra: Partial<RunLifeEvent> = {}): RunLifeEvent => ({
    well_id,
    type,
    at: t0 + day * D,
    pump_model: null,
    field: 'North',
    source: 'manual',
    ...extra,
  });

  it('builds runs: install → failure (failed), install → pull (censored), re-install without pull, still running', () => {
    const now = t0 + 1000 * D;
    const runs = buildRunLives(
      [
        ev('A', 'install', 0, { pump_model: 'X' }),
        ev('A', 'failure', 400),
        ev('A', 'pull', 410),
        ev('A', 'install', 420, { pump_model: 'Y' }),
        ev('B', 'trip', 5), // before any install: belongs to no run
        ev('B', 'install', 10, { pump_model: 'X' }),
        ev('B', 'trip', 20, { source: 'detected' }),
        ev('B', 'stop', 30),
        ev('B', 'trip', 30 + 0.01, { source: 'detected' }), // the posted stop, seen in the data
        ev('B', 'install', 110, { pump_model: 'X' }),
      ],
      now,
    );
    const summary = runs.map((r) => [r.well_id, r.pump_model, Math.round(r.days), r.failed, r.end_at === null, r.trips]);
    expect(summary).toEqual([
      ['A', 'X', 400, true, false, 0],
      ['A', 'Y', 580, false, true, 0],
      ['B', 'X', 100, false, false, 1],
      ['B', 'X', 890, false, true, 0],
    ]);
  });

  it('groups by pump model and field with counts, curve from 1, fits and trips per month', () => {
    const now = t0 + 2000 * D;
    const events: RunLifeEvent[] = [];
    // Model X: failures at 100..900 days on 9 wells, 3 still running; model Y: one censored run.
    for (let i = 0; i < 12; i++) {
      events.push(ev(`X${i}`, 'install', 0, { pump_model: 'X', field: i % 2 ? 'North' : 'South' }));
      if (i < 9) events.push(ev(`X${i}`, 'failure', 100 * (i + 1)));
      if (i === 0) for (let k = 0; k < 5; k++) events.push(ev('X0', 'trip', 10 + k, { source: 'detected' }));
    }
    events.push(ev('Y0', 'install', 1500, { pump_model: 'Y', field: null }));
    const byModel = reliabilityReport(events, 'pump_model', now);
    expect(byModel.group_by).toBe('pump_model');
    expect(byModel.groups.map((g) => g.group)).toEqual(['X', 'Y']);
    const x = byModel.groups[0];
    expect([x.installs, x.failures, x.censored]).toEqual([12, 9, 3]);
    expect(x.kaplan_meier[0]).toEqual({ t_days: 0, survival: 1, low: 1, high: 1, at_risk: 12, events: 0 });
    expect(x.kaplan_meier[1].survival).toBeCloseTo(11 / 12, 10);
    expect(x.weibull!.shape.low).toBeLessThan(x.weibull!.shape.value);
    expect(x.weibull!.shape.high).toBeGreaterThan(x.weibull!.shape.value);
    expect(x.mtbf_days!.low).toBeLessThan(x.mtbf_days!.value);
    expect(x.survival_365!.value).toBeGreaterThan(0.5);
    expect(x.survival_365!.value).toBeLessThan(0.9);
    // 5 trips over 9×(100..900 days) + 3×2000 days of running.
    const runDays = 100 * 45 + 3 * 2000;
    expect(x.trips_per_month).toBeCloseTo(5 / (runDays / (365.25 / 12)), 8);
    const y = byModel.groups[1];
    expect([y.installs, y.failures, y.weibull, y.mtbf_days, y.survival_365]).toEqual([1, 0, null, null, null]);
    const byField = reliabilityReport(events, 'field', now);
    expect(byField.groups.map((g) => [g.group, g.installs])).toEqual([
      ['North', 6],
      ['South', 6],
      ['unassigned', 1],
    ]);
  });
});
