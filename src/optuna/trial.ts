/**
 * Optuna's Trial: the running trial an objective suggests parameters on and reports to. A parameter is sampled
 * once per trial (a repeated suggestion returns the first value); values the sampler drew jointly for the
 * relative search space are used when they fit the suggested distribution, others are sampled independently.
 */
import {
  type CategoricalChoice,
  CategoricalDistribution,
  checkDistributionCompatibility,
  type Distribution,
  distributionsEqual,
  FloatDistribution,
  IntDistribution,
  singleValue,
} from "./distributions.js";
import type { FrozenTrial, ParamValue } from "./frozen-trial.js";
import { warn } from "./logging.js";
import type { Storage } from "./storages/storage.js";
import type { Study } from "./study.js";

/** Options of `suggestFloat`. */
export interface SuggestFloatOptions {
  step?: number | null;
  log?: boolean;
}

/** Options of `suggestInt`. */
export interface SuggestIntOptions {
  step?: number;
  log?: boolean;
}

/** A trial in progress. */
export class Trial {
  readonly storage: Storage;
  private readonly cached: FrozenTrial;
  private relativeSearchSpace: Record<string, Distribution> | null = null;
  private relative: Record<string, ParamValue> | null = null;
  private readonly fixedParams: Record<string, ParamValue>;

  constructor(
    readonly study: Study,
    readonly trialId: number,
  ) {
    this.storage = study.storage;
    this.cached = this.storage.getTrial(trialId).clone();
    study.sampler.beforeTrial?.(study.filteredFor(this.cached), this.cached);
    this.fixedParams = (this.cached.systemAttrs.fixed_params as Record<string, ParamValue> | undefined) ?? {};
  }

  /** The trial's number within its study. */
  get number(): number {
    return this.cached.number;
  }

  /** The parameters suggested so far. */
  get params(): Record<string, ParamValue> {
    return { ...this.cached.params };
  }

  /** The distributions of the parameters suggested so far. */
  get distributions(): Record<string, Distribution> {
    return { ...this.cached.distributions };
  }

  get userAttrs(): Record<string, unknown> {
    return structuredClone(this.cached.userAttrs);
  }

  get datetimeStart(): Date | null {
    return this.cached.datetimeStart;
  }

  /** The values the sampler drew jointly for this trial (sampled on first use). */
  get relativeParams(): Record<string, ParamValue> {
    if (this.relative === null) {
      const study = this.study.filteredFor(this.cached);
      this.relativeSearchSpace = this.study.sampler.inferRelativeSearchSpace(study, this.cached);
      this.relative = this.study.sampler.sampleRelative(study, this.cached, this.relativeSearchSpace);
    }
    return this.relative;
  }

  /** A float in [low, high], log-scaled or on a grid of `step`. */
  suggestFloat(name: string, low: number, high: number, opts: SuggestFloatOptions = {}): number {
    const d = new FloatDistribution(low, high, { log: opts.log ?? false, step: opts.step ?? null });
    const v = this.suggest(name, d) as number;
    this.checkDistribution(name, d);
    return v;
  }

  /** An integer in [low, high], log-scaled or on a grid of `step`. */
  suggestInt(name: string, low: number, high: number, opts: SuggestIntOptions = {}): number {
    const d = new IntDistribution(low, high, { log: opts.log ?? false, step: opts.step ?? 1 });
    const v = Math.trunc(this.suggest(name, d) as number);
    this.checkDistribution(name, d);
    return v;
  }

  /** One of `choices` (null, booleans, numbers or strings). */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, new CategoricalDistribution(choices)) as T;
  }

  /** Records the objective's intermediate value at `step` (a repeated step is ignored, as Optuna does). */
  report(value: number, step: number): void {
    if (this.study.directions.length > 1) {
      throw new Error("Trial.report is not supported for multi-objective optimization.");
    }
    if (typeof value !== "number") {
      throw new TypeError(`The \`value\` argument is of type '${typeof value}' but supposed to be a float.`);
    }
    if (!Number.isInteger(step)) {
      throw new TypeError(`The \`step\` argument is of type '${typeof step}' but supposed to be an int.`);
    }
    if (step < 0) throw new RangeError(`\`step=${step}\` must be non-negative.`);
    if (this.cached.intermediateValues.has(step)) {
      warn(`The reported value is ignored because this \`step=${step}\` is already reported.`);
      return;
    }
    this.storage.setTrialIntermediateValue(this.trialId, step, value);
    this.cached.intermediateValues.set(step, value);
  }

  /** Whether the study's pruner says to stop this trial now. */
  shouldPrune(): boolean {
    if (this.study.directions.length > 1) {
      throw new Error("Trial.should_prune is not supported for multi-objective optimization.");
    }
    return this.study.pruner.prune(this.study, this.latest());
  }

  /** Stores a user attribute (JSON-serialisable). */
  setUserAttr(key: string, value: unknown): void {
    this.storage.setTrialUserAttr(this.trialId, key, value);
    this.cached.userAttrs[key] = value;
  }

  private latest(): FrozenTrial {
    const t = this.cached.shallowCopy();
    t.systemAttrs = this.storage.getTrial(this.trialId).systemAttrs;
    return t;
  }

  /** Samples (or returns the already sampled) value of `name` under `distribution`. */
  suggest(name: string, distribution: Distribution): ParamValue {
    const trial = this.latest();
    if (name in trial.distributions) {
      checkDistributionCompatibility(trial.distributions[name], distribution);
      return trial.params[name];
    }
    let value: ParamValue;
    if (this.isFixed(name, distribution)) value = this.fixedParams[name];
    else if (distribution.single()) value = singleValue(distribution);
    else if (this.isRelative(name, distribution)) value = this.relativeParams[name];
    else {
      value = this.study.sampler.sampleIndependent(this.study.filteredFor(trial), trial, name, distribution);
    }
    this.storage.setTrialParam(this.trialId, name, distribution.toInternal(value), distribution);
    this.cached.distributions[name] = distribution;
    this.cached.params[name] = value;
    return value;
  }

  private isFixed(name: string, distribution: Distribution): boolean {
    if (!(name in this.fixedParams)) return false;
    const value = this.fixedParams[name];
    if (!distribution.contains(distribution.toInternal(value))) {
      warn(
        `Fixed parameter ${name} with value ${String(value)} is out of range for distribution ${String(distribution)}.`,
      );
    }
    return true;
  }

  private isRelative(name: string, distribution: Distribution): boolean {
    if (!(name in this.relativeParams)) return false;
    const space = this.relativeSearchSpace!;
    if (!(name in space)) {
      throw new Error(
        `The parameter ${name} was sampled by \`sample_relative\` method but it is not contained in the relative search space.`,
      );
    }
    checkDistributionCompatibility(space[name], distribution);
    return distribution.contains(distribution.toInternal(this.relativeParams[name]));
  }

  private checkDistribution(name: string, distribution: Distribution): void {
    const old = this.cached.distributions[name] ?? distribution;
    if (!distributionsEqual(old, distribution)) {
      warn(
        `Inconsistent parameter values for distribution with name "${name}"! This might be a configuration mistake. Optuna allows to call the same distribution with the same name more than once in a trial. When the parameter values are inconsistent optuna only uses the values of the first call and ignores all following.`,
      );
    }
  }
}
