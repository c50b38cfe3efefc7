/**
 * Optuna's `_ParzenEstimator`: one kernel per observation plus a prior kernel, weighted by the `weights`
 * function (uniform below 25 observations, a ramp favouring recent ones above) and `prior_weight`. Numerical
 * kernels sit on the observations; a kernel's bandwidth is the larger gap to its sorted neighbours (the range
 * ends count as neighbours only with `considerEndpoints`), clipped to [range / min(100, 1 + kernels), range];
 * the prior kernel is centred with the whole range as its bandwidth. Categorical kernels put 1 on the observed
 * choice plus prior_weight / kernels on every choice.
 */
import {
  CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
} from "../../distributions.js";
import { argsort, npSum } from "../../math/numpy.js";
import type { RandomState } from "../../random-state.js";
import { type BatchedDistribution, MixtureOfProductDistribution } from "./mixture.js";

const EPS = 1e-12;

/** How the estimator is built (TPESampler's Parzen options). */
export interface ParzenEstimatorParameters {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  weights: (n: number) => ArrayLike<number>;
}

function callWeights(fn: (n: number) => ArrayLike<number>, n: number): Float64Array {
  const w = Float64Array.from(Array.from(fn(n)).slice(0, n));
  if (w.some((x) => x < 0)) {
    throw new RangeError(
      `The \`weights\` function is not allowed to return negative values [${w.join(", ")}]. The argument of the \`weights\` function is ${n}.`,
    );
  }
  if (w.length > 0 && npSum(w) <= 0) {
    throw new RangeError(
      `The \`weight\` function is not allowed to return all-zero values [${w.join(", ")}]. The argument of the \`weights\` function is ${n}.`,
    );
  }
  if (!w.every(Number.isFinite)) {
    throw new RangeError(
      `The \`weights\`function is not allowed to return infinite or NaN values [${w.join(", ")}]. The argument of the \`weights\` function is ${n}.`,
    );
  }
  return w;
}

/** A Parzen estimator over a search space. */
export class ParzenEstimator {
  readonly mixture: MixtureOfProductDistribution;
  private readonly names: string[];

  constructor(
    observations: Record<string, Float64Array>,
    readonly searchSpace: Record<string, Distribution>,
    parameters: ParzenEstimatorParameters,
    predeterminedWeights: Float64Array | null = null,
  ) {
    if (parameters.priorWeight < 0) {
      throw new RangeError(
        `A non-negative value must be specified for prior_weight, but got ${parameters.priorWeight}.`,
      );
    }
    this.names = Object.keys(searchSpace);
    const n = this.names.length > 0 ? observations[this.names[0]].length : 0;
    const base = predeterminedWeights ?? callWeights(parameters.weights, n);
    let weights: Float64Array;
    if (n === 0) weights = Float64Array.of(1.0);
    else {
      weights = new Float64Array(base.length + 1);
      weights.set(base);
      weights[base.length] = parameters.priorWeight;
    }
    const total = npSum(weights);
    for (let i = 0; i < weights.length; i++) weights[i] /= total;
    this.mixture = new MixtureOfProductDistribution(
      weights,
      this.names.map((name) => this.kernels(observations[name], searchSpace[name], parameters)),
    );
  }

  /** `size` samples as one array of internal values per parameter. */
  sample(rng: RandomState, size: number): Record<string, Float64Array> {
    const rows = this.mixture.sample(rng, size);
    return Object.fromEntries(this.names.map((name, i) => [name, Float64Array.from(rows, (r) => r[i])]));
  }

  /** log density of samples given per parameter. */
  logPdf(samples: Record<string, Float64Array>): Float64Array {
    const size = samples[this.names[0]].length;
    const rows = Array.from({ length: size }, (_, s) =>
      Float64Array.from(this.names, (name) => samples[name][s]),
    );
    return this.mixture.logPdf(rows);
  }

  private kernels(obs: Float64Array, d: Distribution, p: ParzenEstimatorParameters): BatchedDistribution {
    if (d instanceof CategoricalDistribution) return categoricalKernels(obs, d, p.priorWeight);
    return numericalKernels(obs, d, p);
  }
}

function categoricalKernels(
  obs: Float64Array,
  d: CategoricalDistribution,
  priorWeight: number,
): BatchedDistribution {
  const nChoices = d.choices.length;
  if (obs.length === 0)
    return { kind: "categorical", weights: [new Float64Array(nChoices).fill(1.0 / nChoices)] };
  const nKernels = obs.length + 1;
  const weights = Array.from({ length: nKernels }, () =>
    new Float64Array(nChoices).fill(priorWeight / nKernels),
  );
  obs.forEach((o, i) => {
    weights[i][Math.trunc(o)] += 1;
  });
  for (const row of weights) {
    const sum = npSum(row);
    const div = sum === 0 ? 1 : sum;
    for (let c = 0; c < nChoices; c++) row[c] /= div;
  }
  return { kind: "categorical", weights };
}

function numericalKernels(
  obs: Float64Array,
  d: FloatDistribution | IntDistribution,
  p: ParzenEstimatorParameters,
): BatchedDistribution {
  let low = d.low;
  let high = d.high;
  if (d.step !== null) {
    low -= d.step / 2;
    high += d.step / 2;
  }
  let mus = obs;
  if (d.log) {
    mus = Float64Array.from(obs, Math.log);
    low = Math.log(low);
    high = Math.log(high);
  }
  const n = mus.length;
  // Tied observations (an int parameter's repeated values) get their bandwidths by their place in this order,
  // and a kernel pairs them with its other parameters' values. np.argsort is not stable: on CPUs where NumPy
  // sorts with x86-simd-sort (AVX-512) its tie order is the sorting network's, so Optuna itself differs across
  // machines there. Kiln keeps ties in observation order (what NumPy's scalar sort gives up to 16 values).
  const order = argsort(mus);
  const sorted = new Float64Array(n + 2);
  sorted[0] = low;
  order.forEach((idx, k) => {
    sorted[k + 1] = mus[idx];
  });
  sorted[n + 1] = high;
  const sortedSigmas = new Float64Array(n);
  for (let k = 0; k < n; k++)
    sortedSigmas[k] = Math.max(sorted[k + 1] - sorted[k], sorted[k + 2] - sorted[k + 1]);
  if (!p.considerEndpoints && sorted.length >= 4) {
    sortedSigmas[0] = sorted[2] - sorted[1];
    sortedSigmas[n - 1] = sorted[n] - sorted[n - 1];
  }
  const maxSigma = high - low;
  const minSigma = p.considerMagicClip ? (high - low) / Math.min(100.0, 1.0 + (n + 1)) : EPS;
  const mu = new Float64Array(n + 1);
  const sigma = new Float64Array(n + 1);
  order.forEach((idx, k) => {
    sigma[idx] = Math.min(Math.max(sortedSigmas[k], minSigma), maxSigma);
  });
  mu.set(mus);
  mu[n] = 0.5 * (low + high);
  sigma[n] = high - low;
  return { kind: "numerical", mu, sigma, low: d.low, high: d.high, step: d.step ?? 0, isLog: d.log };
}
