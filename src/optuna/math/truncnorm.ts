/**
 * The truncated normal distribution as Optuna's `_truncnorm` computes it (from SciPy): log-space masses, the
 * inverse CDF by Newton's method on log Phi, sampling and log densities. Arrays are flat Float64Arrays of equal
 * length (the caller broadcasts); functions that iterate until every element converges take the same groups of
 * elements as Optuna does, so the results agree with it to the last bits in almost every case.
 */
import type { RandomState } from "../random-state.js";
import { erf, erfc } from "./erf.js";

const SQRT2 = Math.SQRT2;
/** log(sqrt(2 pi)), the normal density's constant. */
export const NORM_PDF_LOGC = Math.log(Math.sqrt(2 * Math.PI));
const NDTRI_EXP_APPROX_C = Math.sqrt(3) / Math.PI;
const LOGE2 = Math.LN2;
const EPSILON = 2.220446049250313e-16;

function ndtrSingle(a: number): number {
  const x = a / SQRT2;
  if (x < -1 / SQRT2) return 0.5 * erfc(-x);
  if (x < 1 / SQRT2) return 0.5 + 0.5 * erf(x);
  return 1.0 - 0.5 * erfc(x);
}

/** The standard normal CDF through erf (Optuna's vectorised `_ndtr`). */
export function ndtr(a: number): number {
  return 0.5 + 0.5 * erf(a / SQRT2);
}

/** log of the standard normal CDF, with the asymptotic series far in the left tail. */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtrSingle(-a);
  if (a > -20) return Math.log(ndtrSingle(a));
  const logLHS = -0.5 * (a * a) - Math.log(-a) - 0.5 * Math.log(2 * Math.PI);
  let lastTotal = 0.0;
  let rhs = 1.0;
  let numerator = 1.0;
  let denomFactor = 1.0;
  const denomCons = 1 / (a * a);
  let sign = 1;
  let i = 0;
  while (Math.abs(lastTotal - rhs) > EPSILON) {
    i += 1;
    lastTotal = rhs;
    sign = -sign;
    denomFactor *= denomCons;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denomFactor;
  }
  return logLHS + Math.log(rhs);
}

/** NumPy's logaddexp. */
export function logAddExp(x: number, y: number): number {
  if (x === y) return x + LOGE2;
  const tmp = x - y;
  if (tmp > 0) return x + Math.log1p(Math.exp(-tmp));
  if (tmp <= 0) return y + Math.log1p(Math.exp(tmp));
  return tmp;
}

function logDiff(logP: number, logQ: number): number {
  return logP + Math.log1p(-Math.exp(logQ - logP));
}

/** log of the standard normal mass in [a, b]. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** x with log_ndtr(x) = y for every element, by Newton's method run until all of them converge. */
export function ndtriExp(y: Float64Array): Float64Array {
  const n = y.length;
  const flipped = new Uint8Array(n);
  const z = Float64Array.from(y);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (y[i] > -1e-2) {
      flipped[i] = 1;
      z[i] = Math.log(-Math.expm1(y[i]));
    }
    x[i] =
      z[i] < -5
        ? -Math.sqrt(-2.0 * (z[i] + NORM_PDF_LOGC))
        : -NDTRI_EXP_APPROX_C * Math.log(Math.expm1(-z[i]));
  }
  for (let iter = 0; iter < 100; iter++) {
    let converged = true;
    for (let i = 0; i < n; i++) {
      const logNdtrX = logNdtr(x[i]);
      const logNormPdfX = -0.5 * (x[i] * x[i]) - NORM_PDF_LOGC;
      const dx = (logNdtrX - z[i]) * Math.exp(logNdtrX - logNormPdfX);
      x[i] -= dx;
      if (!(Math.abs(dx) < 1e-8 * Math.abs(x[i]))) converged = false;
    }
    if (converged) break;
  }
  for (let i = 0; i < n; i++) if (flipped[i]) x[i] *= -1;
  return x;
}

/** The inverse CDF at q of standard normals truncated to [a, b] (elementwise). */
export function ppf(q: Float64Array, a: Float64Array, b: Float64Array): Float64Array {
  const n = q.length;
  const out = new Float64Array(n);
  const left: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < n; i++) (a[i] < 0 ? left : right).push(i);
  const solve = (idx: number[], isLeft: boolean): void => {
    if (idx.length === 0) return;
    const logPhi = new Float64Array(idx.length);
    idx.forEach((i, k) => {
      const logMass = logGaussMass(a[i], b[i]);
      logPhi[k] = isLeft
        ? logAddExp(logNdtr(a[i]), Math.log(q[i]) + logMass)
        : logAddExp(logNdtr(-b[i]), Math.log1p(-q[i]) + logMass);
    });
    const x = ndtriExp(logPhi);
    idx.forEach((i, k) => {
      out[i] = isLeft ? x[k] : -x[k];
    });
  };
  solve(left, true);
  solve(right, false);
  for (let i = 0; i < n; i++) {
    if (q[i] === 0) out[i] = a[i];
    if (q[i] === 1) out[i] = b[i];
    if (a[i] === b[i]) out[i] = Number.NaN;
  }
  return out;
}

/** Samples of normals (loc, scale) truncated to standardised bounds [a, b], one uniform draw per element. */
export function rvs(
  a: Float64Array,
  b: Float64Array,
  loc: Float64Array,
  scale: Float64Array,
  rng: RandomState,
): Float64Array {
  const q = rng.rand(a.length);
  const x = ppf(q, a, b);
  for (let i = 0; i < x.length; i++) x[i] = x[i] * scale[i] + loc[i];
  return x;
}

/** log density at x of a normal (loc, scale) truncated to standardised bounds [a, b]. */
export function logpdf(x: number, a: number, b: number, loc: number, scale: number): number {
  const xs = (x - loc) / scale;
  if (a === b) return Number.NaN;
  if (xs < a || xs > b) return Number.NEGATIVE_INFINITY;
  return -(xs * xs) / 2.0 - NORM_PDF_LOGC - logGaussMass(a, b) - Math.log(scale);
}
