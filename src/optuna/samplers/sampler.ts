/** The sampler interface (Optuna's BaseSampler). */
import type { Distribution } from "../distributions.js";
import type { FrozenTrial, ParamValue, TrialState } from "../frozen-trial.js";
import type { Study } from "../study.js";

/** Chooses parameter values: jointly for a relative search space, one by one for the rest. */
export interface Sampler {
  /** Optuna's class name, for logs (bundling may rename the JS class). */
  readonly pyName?: string;
  /** The parameters to sample jointly for `trial` (may be empty). */
  inferRelativeSearchSpace(study: Study, trial: FrozenTrial): Record<string, Distribution>;
  /** Values for (some of) the relative search space. */
  sampleRelative(
    study: Study,
    trial: FrozenTrial,
    searchSpace: Record<string, Distribution>,
  ): Record<string, ParamValue>;
  /** A value for one parameter outside the relative search space. */
  sampleIndependent(
    study: Study,
    trial: FrozenTrial,
    paramName: string,
    distribution: Distribution,
  ): ParamValue;
  /** Called when a trial starts, before anything is sampled. */
  beforeTrial?(study: Study, trial: FrozenTrial): void;
  /** Called when a trial ends, before its state is stored. */
  afterTrial?(study: Study, trial: FrozenTrial, state: TrialState, values: number[] | null): void;
  /** Reseeds the random state from the OS (parallel workers must not share a stream). */
  reseedRng?(): void;
}
