// The learning-rate finder's schedulers (Lightning's _ExponentialLR and _LinearLR): from the optimizer's
// starting lr (the finder's min_lr) towards end_lr over num_iter steps, with Lightning's arithmetic (the lr
// of step k > 0 uses r = (k + 1) / num_iter, so the second value skips r = 1 / num_iter, as Lightning's does).
import { LRScheduler } from "../../torch/optim/lr-scheduler/lr-scheduler.js";
import type { StateReader } from "../../torch/optim/lr-scheduler/state.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "../../torch/optim/lr-scheduler/types.js";

/** How the finder raises the lr. */
export type LRFinderMode = "exponential" | "linear";

/** Raises each group's lr from its initial lr to `endLr` over `numIter` steps. */
export class LRFinderScheduler extends LRScheduler {
  #lr: number[] = [];

  constructor(
    optimizer: SchedulableOptimizer,
    readonly mode: LRFinderMode,
    readonly endLr: number,
    readonly numIter: number,
  ) {
    super(optimizer, mode === "linear" ? "_LinearLR" : "_ExponentialLR");
    this.initialize(-1);
  }

  protected getLr(): number[] {
    const r = (this.lastEpoch + 1) / this.numIter;
    const values =
      this.lastEpoch > 0
        ? this.baseLrs.map((base) =>
            this.mode === "linear" ? base + r * (this.endLr - base) : base * (this.endLr / base) ** r,
          )
        : [...this.baseLrs];
    this.#lr = values;
    return values;
  }

  /** The lrs of the last step (Lightning's `scheduler.lr`). */
  get lr(): number[] {
    return this.#lr;
  }

  protected hyperState(): SchedulerStateDict {
    return { end_lr: this.endLr, num_iter: this.numIter };
  }

  protected loadHyperState(_reader: StateReader): void {}
}
