// Small numeric helpers: robust statistics and fuzzy ramps. Allocation-light because the stream calls them often.

/** In-place quickselect: returns the k-th smallest of a[0..n). Reorders a. */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Median of the first n values of a scratch buffer (reorders it). NaN when n = 0. */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n <= 0) return NaN;
  if (n % 2 === 1) return select(a, n, (n - 1) >> 1);
  const hi = select(a, n, n >> 1);
  // After selecting the upper middle, the lower half holds everything below it: its max is the lower middle.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}

/** Median absolute deviation around m of the first n values (reorders a). */
export function madInPlace(a: Float64Array, n: number, m: number): number {
  if (n <= 0) return NaN;
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i] - m);
  return medianInPlace(a, n);
}

export function median(values: readonly number[]): number {
  const a = Float64Array.from(values.filter((v) => Number.isFinite(v)));
  return medianInPlace(a, a.length);
}

/** 0 at x = a, 1 at x = b, linear between; works for a > b (descending ramp). */
export function ramp(x: number, a: number, b: number): number {
  if (!Number.isFinite(x)) return 0;
  const t = (x - a) / (b - a);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/** Trapezoid membership: 0 below a0, rises to 1 at a1, 1 until b1, 0 again at b0 (a0 < a1 <= b1 < b0). */
export function band(x: number, a0: number, a1: number, b1: number, b0: number): number {
  if (!Number.isFinite(x)) return 0;
  if (x <= a0 || x >= b0) return 0;
  if (x < a1) return (x - a0) / (a1 - a0);
  if (x <= b1) return 1;
  return (b0 - x) / (b0 - b1);
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0;
}

/** MAD → standard deviation for normal noise. */
export const MAD_TO_SIGMA = 1.4826;

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}
