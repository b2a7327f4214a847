// Robust trend statistics for slow degradation (ESP-DIAGNOSTICS.md §6): Mann–Kendall test, Theil–Sen slope with
// Sen's confidence interval. Small inputs (daily aggregates, ≤ a few hundred points), so O(n²) is fine.

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Upper quantile of the standard normal: z such that P(Z > z) = p (Acklam's rational approximation). */
export function normalQuantile(p: number): number {
  const q = 1 - p;
  if (q <= 0 || q >= 1) return q <= 0 ? -Infinity : Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  }
  if (q > 1 - lo) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    return -(((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return ((((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r) / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
}

export interface MannKendall {
  /** Kendall's S: concordant minus discordant pairs. */
  s: number;
  /** Var(S) with the tie correction. */
  variance: number;
  /** Continuity-corrected normal score. */
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/** Mann–Kendall trend test of y in the given (time) order, with the tie correction for Var(S). */
export function mannKendall(y: ArrayLike<number>): MannKendall {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j] - y[i]);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(y[i], (counts.get(y[i]) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) if (t > 1) ties += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - ties) / 18;
  const z = variance > 0 ? (s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0) : 0;
  const p = variance > 0 ? 2 * (1 - normalCdf(Math.abs(z))) : 1;
  return { s, variance, z, p: Math.min(1, Math.max(0, p)) };
}

export interface TheilSen {
  slope: number;
  intercept: number;
  /** Sen's (1968) distribution-free confidence interval for the slope. */
  low: number;
  high: number;
}

/**
 * Theil–Sen estimator: the median of the pairwise slopes (pairs with equal x skipped); intercept median(y − slope·x).
 * The interval ranks the sorted slopes at (N ∓ z·√Var(S))/2 (Sen 1968; Gilbert 1987 §16.5).
 */
export function theilSen(x: ArrayLike<number>, y: ArrayLike<number>, confidence = 0.95): TheilSen {
  const n = x.length;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[j] - x[i];
      if (dx !== 0) slopes.push((y[j] - y[i]) / dx);
    }
  }
  if (slopes.length === 0) return { slope: NaN, intercept: NaN, low: NaN, high: NaN };
  slopes.sort((a, b) => a - b);
  const N = slopes.length;
  const slope = N % 2 ? slopes[(N - 1) / 2] : (slopes[N / 2 - 1] + slopes[N / 2]) / 2;
  const res: number[] = [];
  for (let i = 0; i < n; i++) res.push(y[i] - slope * x[i]);
  res.sort((a, b) => a - b);
  const m = res.length;
  const intercept = m % 2 ? res[(m - 1) / 2] : (res[m / 2 - 1] + res[m / 2]) / 2;
  // Var(S) of the ordinates (ties in y lower it slightly; ignored here, conservative).
  const varS = (n * (n - 1) * (2 * n + 5)) / 18;
  const c = normalQuantile((1 - confidence) / 2) * Math.sqrt(varS);
  const m1 = (N - c) / 2;
  const m2 = (N + c) / 2;
  // 1-based ranks M1 and M2 + 1, clamped to the available slopes.
  const lo = Math.min(N - 1, Math.max(0, Math.round(m1) - 1));
  const hi = Math.min(N - 1, Math.max(0, Math.round(m2)));
  return { slope, intercept, low: slopes[lo], high: slopes[hi] };
}
