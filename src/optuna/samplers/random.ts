/**
 * RandomSampler as Optuna defines it: one uniform draw per encoded column of the search-space transform (log
 * scale for log distributions, half a step beyond each end for stepped and int ones, one column per choice of a
 * categorical, whose largest draw wins), then mapped back onto the distribution.
 */
import {
  CategoricalDistribution,
  type Distribution,
  FloatDistribution,
  IntDistribution,
} from "../distributions.js";
import type { FrozenTrial, ParamValue } from "../frozen-trial.js";
import { roundHalfEven } from "../math/numpy.js";
import { RandomState } from "../random-state.js";
import type { Study } from "../study.js";
import type { Sampler } from "./sampler.js";

/** The largest double below x (`np.nextafter(x, x - 1)`). */
export function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n);
  return buf.getFloat64(0);
}

/** The encoded bounds of one distribution (Optuna's `_transform_search_space` with log and step transforms). */
export function transformBounds(d: Distribution): [number, number][] {
  if (d instanceof CategoricalDistribution) return d.choices.map(() => [0, 1]);
  if (d instanceof FloatDistribution) {
    const f = (v: number): number => (d.log ? Math.log(v) : v);
    if (d.step !== null) return [[f(d.low) - 0.5 * d.step, f(d.high) + 0.5 * d.step]];
    return [[f(d.low), f(d.high)]];
  }
  const half = 0.5 * d.step;
  if (d.log) return [[Math.log(d.low - half), Math.log(d.high + half)]];
  return [[d.low - half, d.high + half]];
}

/** Maps encoded values back onto the distribution (Optuna's `untransform`). */
export function untransform(d: Distribution, encoded: ArrayLike<number>): ParamValue {
  if (d instanceof CategoricalDistribution) {
    let best = 0;
    for (let i = 1; i < encoded.length; i++) if (encoded[i] > encoded[best]) best = i;
    return d.toExternal(best);
  }
  const x = encoded[0];
  if (d instanceof FloatDistribution) {
    if (d.log) {
      const v = Math.exp(x);
      return d.single() ? v : Math.min(Math.max(v, d.low), nextDown(d.high));
    }
    if (d.step !== null) {
      return Math.min(Math.max(roundHalfEven((x - d.low) / d.step) * d.step + d.low, d.low), d.high);
    }
    return d.single() ? x : Math.min(x, nextDown(d.high));
  }
  if (d instanceof IntDistribution && d.log) {
    return Math.min(Math.max(roundHalfEven(Math.exp(x)), d.low), d.high);
  }
  const stepIndex = Math.floor((x - d.low) / d.step + 0.5);
  return Math.min(Math.max(stepIndex * d.step + d.low, d.low), d.high);
}

/** Samples every parameter independently and uniformly (on the log scale for log distributions). */
export class RandomSampler implements Sampler {
  readonly pyName = "RandomSampler";
  readonly rng: RandomState;

  constructor(opts: { seed?: number | null } = {}) {
    this.rng = new RandomState(opts.seed ?? null);
  }

  reseedRng(): void {
    this.rng.seed();
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  sampleIndependent(_study: Study, _trial: FrozenTrial, _name: string, d: Distribution): ParamValue {
    const bounds = transformBounds(d);
    const draws = this.rng.uniform(
      bounds.map((b) => b[0]),
      bounds.map((b) => b[1]),
    );
    return untransform(d, draws);
  }
}
