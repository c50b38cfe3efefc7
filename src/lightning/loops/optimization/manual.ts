// Manual optimization (Lightning's loops/optimization/manual.py): with `automaticOptimization = false` the
// trainer only runs trainingStep; the module steps its optimizers itself (this.optimizers()).
import { Loop, type LoopChild } from "../loop.js";
import { Progress } from "../progress.js";
import { outputsToNumbers } from "../utilities.js";

/** Runs one batch of manual optimization. */
export class ManualOptimization extends Loop {
  /**
   * Lightning counts the optimizer steps a manually optimized module takes here (its LightningOptimizer
   * wrapper does); Kiln hands the module its optimizers unwrapped, so these counts stay at zero.
   */
  readonly optimStepProgress = Progress.readyCompleted();

  protected override children(): readonly LoopChild[] {
    return [["optim_step_progress", this.optimStepProgress]];
  }

  /** Runs trainingStep on `batch` (synchronous, inside the step's tidy scope); returns its output as numbers. */
  run(batch: unknown, batchIdx: number): unknown {
    const trainer = this.trainer;
    return outputsToNumbers(
      trainer.precisionPlugin.forwardContext(() =>
        trainer.hooks.moduleStrict("trainingStep", batch, batchIdx),
      ),
    );
  }
}
