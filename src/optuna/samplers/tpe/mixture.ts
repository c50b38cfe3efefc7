/**
 * The mixture TPE samples from (Optuna's `_MixtureOfProductDistribution`): kernels with weights, each a product
 * of one distribution per parameter (categorical weights, or a normal truncated to the range, on the log scale
 * for log parameters and integrated over each step's cell for stepped ones). Sampling and log densities take
 * their random draws and do their arithmetic in Optuna's order.
 */
import { npSum } from "../../math/numpy.js";
import { logGaussMass, NORM_PDF_LOGC, rvs } from "../../math/truncnorm.js";
import type { RandomState } from "../../random-state.js";

/** Per-kernel choice probabilities of one categorical parameter (rows sum to 1). */
export interface BatchedCategorical {
  kind: "categorical";
  weights: Float64Array[];
}

/** Per-kernel truncated normals of one numerical parameter. */
export interface BatchedNumerical {
  kind: "numerical";
  mu: Float64Array;
  sigma: Float64Array;
  /** The parameter's range (not log-transformed). */
  low: number;
  high: number;
  /** 0 for continuous parameters. */
  step: number;
  isLog: boolean;
}

/** One parameter's kernels. */
export type BatchedDistribution = BatchedCategorical | BatchedNumerical;

function adaptedLow(d: BatchedNumerical): number {
  const low = d.low - d.step / 2;
  return d.isLog ? Math.log(low) : low;
}

function adaptedHigh(d: BatchedNumerical): number {
  const high = d.high + d.step / 2;
  return d.isLog ? Math.log(high) : high;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A weighted mixture of product distributions. */
export class MixtureOfProductDistribution {
  constructor(
    readonly weights: Float64Array,
    readonly distributions: BatchedDistribution[],
  ) {}

  /** `size` samples: rows of one internal value per parameter. */
  sample(rng: RandomState, size: number): Float64Array[] {
    const active = rng.choiceWeighted(this.weights, size);
    const out = Array.from({ length: size }, () => new Float64Array(this.distributions.length));
    const numerical: number[] = [];
    this.distributions.forEach((d, i) => {
      if (d.kind === "numerical") {
        numerical.push(i);
        return;
      }
      const rnd = rng.rand(size);
      for (let s = 0; s < size; s++) {
        const w = d.weights[active[s]];
        let cum = 0;
        let count = 0;
        for (let c = 0; c < w.length; c++) {
          cum = c === w.length - 1 ? 1 : cum + w[c];
          if (cum < rnd[s]) count++;
        }
        out[s][i] = count;
      }
    });
    if (numerical.length === 0) return out;
    const n = numerical.length * size;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    const loc = new Float64Array(n);
    const scale = new Float64Array(n);
    numerical.forEach((i, r) => {
      const d = this.distributions[i] as BatchedNumerical;
      for (let s = 0; s < size; s++) {
        const mu = d.mu[active[s]];
        const sigma = d.sigma[active[s]];
        a[r * size + s] = (adaptedLow(d) - mu) / sigma;
        b[r * size + s] = (adaptedHigh(d) - mu) / sigma;
        loc[r * size + s] = mu;
        scale[r * size + s] = sigma;
      }
    });
    const x = rvs(a, b, loc, scale, rng);
    numerical.forEach((i, r) => {
      const d = this.distributions[i] as BatchedNumerical;
      for (let s = 0; s < size; s++) {
        let v = x[r * size + s];
        if (d.isLog) v = Math.exp(v);
        if (d.step !== 0)
          v = Math.min(Math.max(d.low + roundHalfEven((v - d.low) / d.step) * d.step, d.low), d.high);
        out[s][i] = v;
      }
    });
    return out;
  }

  /** log density of each sample row under the mixture (per-kernel terms computed once, values summed in Optuna's order). */
  logPdf(samples: readonly Float64Array[]): Float64Array {
    const nK = this.weights.length;
    const w = samples.map(() => new Float64Array(nK));
    const continuous: {
      i: number;
      d: BatchedNumerical;
      a: Float64Array;
      b: Float64Array;
      mass: Float64Array;
      logScale: Float64Array;
    }[] = [];
    this.distributions.forEach((d, i) => {
      if (d.kind === "categorical") {
        const logW = d.weights.map((row) => row.map(Math.log));
        samples.forEach((x, s) => {
          const c = Math.trunc(x[i]);
          for (let k = 0; k < nK; k++) w[s][k] += logW[k][c];
        });
        return;
      }
      const lo = adaptedLow(d);
      const hi = adaptedHigh(d);
      if (d.step === 0) {
        const a = new Float64Array(nK);
        const b = new Float64Array(nK);
        const mass = new Float64Array(nK);
        const logScale = new Float64Array(nK);
        for (let k = 0; k < nK; k++) {
          a[k] = (lo - d.mu[k]) / d.sigma[k];
          b[k] = (hi - d.mu[k]) / d.sigma[k];
          mass[k] = logGaussMass(a[k], b[k]);
          logScale[k] = Math.log(d.sigma[k]);
        }
        continuous.push({ i, d, a, b, mass, logScale });
        return;
      }
      const norm = new Float64Array(nK);
      for (let k = 0; k < nK; k++)
        norm[k] = logGaussMass((lo - d.mu[k]) / d.sigma[k], (hi - d.mu[k]) / d.sigma[k]);
      // A stepped parameter takes few distinct values: its cell masses are computed once per value.
      const cells = new Map<number, Float64Array>();
      samples.forEach((x, s) => {
        let m = cells.get(x[i]);
        if (m === undefined) {
          m = new Float64Array(nK);
          const left = d.isLog ? Math.log(x[i] - d.step / 2) : x[i] - d.step / 2;
          const right = d.isLog ? Math.log(x[i] + d.step / 2) : x[i] + d.step / 2;
          for (let k = 0; k < nK; k++)
            m[k] = logGaussMass((left - d.mu[k]) / d.sigma[k], (right - d.mu[k]) / d.sigma[k]);
          cells.set(x[i], m);
        }
        for (let k = 0; k < nK; k++) w[s][k] += m[k];
      });
      for (const row of w) for (let k = 0; k < nK; k++) row[k] -= norm[k];
    });
    if (continuous.length > 0) {
      const terms = new Float64Array(continuous.length);
      const xs = new Float64Array(continuous.length);
      samples.forEach((x, s) => {
        continuous.forEach(({ i, d }, c) => {
          xs[c] = d.isLog ? Math.log(x[i]) : x[i];
        });
        for (let k = 0; k < nK; k++) {
          for (let c = 0; c < continuous.length; c++) {
            const { d, a, b, mass, logScale } = continuous[c];
            const z = (xs[c] - d.mu[k]) / d.sigma[k];
            terms[c] =
              a[k] === b[k]
                ? Number.NaN
                : z < a[k] || z > b[k]
                  ? Number.NEGATIVE_INFINITY
                  : -(z * z) / 2.0 - NORM_PDF_LOGC - mass[k] - logScale[k];
          }
          w[s][k] += npSum(terms);
        }
      });
    }
    const logW = Float64Array.from(this.weights, Math.log);
    const out = new Float64Array(samples.length);
    const shifted = new Float64Array(nK);
    w.forEach((row, s) => {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < nK; k++) {
        row[k] += logW[k];
        if (Number.isNaN(row[k])) max = Number.NaN;
        else if (row[k] > max) max = row[k];
      }
      if (max === Number.NEGATIVE_INFINITY) max = 0;
      for (let k = 0; k < nK; k++) shifted[k] = Math.exp(row[k] - max);
      out[s] = Math.log(npSum(shifted)) + max;
    });
    return out;
  }
}
