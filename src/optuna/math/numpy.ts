/**
 * The few NumPy routines whose exact rounding Optuna's results depend on: pairwise summation (`np.sum`),
 * `linspace`, `percentile` with linear interpolation, round-half-to-even, and a stable argsort.
 */

const BLOCK = 128;

function pairwise(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= BLOCK) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/** `np.sum` of a contiguous run of `n` values from `start` (NumPy's pairwise summation). */
export function npSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  return 0 + pairwise(a, start, n);
}

/** `np.linspace(start, stop, num)` with the endpoint. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = div > 0 ? (stop - start) / div : Number.NaN;
  for (let i = 0; i < num; i++)
    out[i] = (div > 0 ? (step === 0 ? (i / div) * (stop - start) : i * step) : i) + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** `np.round` / Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Indices that sort `values` ascending; ties keep their order. */
export function argsort(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  return idx.sort((i, j) => values[i] - values[j] || i - j);
}

/** `np.nanpercentile(values, q)` with linear interpolation (NaNs ignored; NaN when nothing is left). */
export function nanPercentile(values: readonly number[], q: number): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  if (v.length === 0) return Number.NaN;
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  const frac = pos - lo;
  // NumPy's _lerp: a + (b - a) * t, computed from the far end when t >= 0.5 for monotonicity.
  const a = v[lo];
  const b = v[hi];
  const diff = b - a;
  return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
}
