// Small statistics over repeated measurements: the shared machine is noisy, so every figure is a min and a median.

/** Min, median and count of a list of measurements (NaN for an empty list). */
export interface Summary {
  min: number;
  median: number;
  n: number;
}

/** The median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Min and median of `values`. */
export function summarize(values: readonly number[]): Summary {
  return { min: values.length ? Math.min(...values) : Number.NaN, median: median(values), n: values.length };
}

/** Rounds to `digits` significant digits, for JSON output that stays readable. */
export function round(x: number, digits = 4): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}
