/** The pruner interface (Optuna's BasePruner) and the pruner that never prunes. */
import type { FrozenTrial } from "../frozen-trial.js";
import type { Study } from "../study.js";

/** Decides from a trial's intermediate values whether to stop it. */
export interface Pruner {
  prune(study: Study, trial: FrozenTrial): boolean;
  /**
   * The trials that count as this trial's peers, for pruners that split the study (Hyperband's brackets):
   * the study that samplers and pruners see for `trial` then lists only those. Null: every trial.
   */
  peersOf?(study: Study, trial: FrozenTrial): ((other: FrozenTrial) => boolean) | null;
}

/** Never prunes (Optuna's NopPruner). */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}
