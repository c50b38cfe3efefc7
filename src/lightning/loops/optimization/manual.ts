// Manual optimization (Lightning's loops/optimization/manual.py): with `automaticOptimization = false` the
// trainer only runs trainingStep; the module steps its optimizers itself through `this.optimizers()` (whose
// step() this loop counts: each optimizer step is a global step, as in Lightning 2.x) and runs backward through
// `this.manualBackward(loss)` (manualBackward below: the precision plugin's scaling and the backward hooks).
import type { Tensor } from "../../../torch/tensor.js";
import { lightningOptimizers } from "../../optimizer.js";
import type { Trainer } from "../../trainer/trainer.js";
import { Loop, type LoopChild } from "../loop.js";
import { Progress } from "../progress.js";
import { outputsToNumbers } from "../utilities.js";

/** Runs one batch of manual optimization and counts the optimizer steps the module takes. */
export class ManualOptimization extends Loop {
  /** Steps taken through the module's LightningOptimizers (Lightning's optim_step_progress). */
  readonly optimStepProgress = Progress.readyCompleted();

  protected override children(): readonly LoopChild[] {
    return [["optim_step_progress", this.optimStepProgress]];
  }

  /** Runs trainingStep on `batch` (synchronous, inside the step's tidy scope); returns its output as numbers. */
  run(batch: unknown, batchIdx: number): unknown {
    const trainer = this.trainer;
    const progress = this.optimStepProgress;
    // Lightning's on_run_start: the loop hears of every step the module's optimizers take.
    const observer = {
      onBeforeStep: () => progress.incrementReady(),
      onAfterStep: () => progress.incrementCompleted(),
    };
    for (const optimizer of lightningOptimizers(trainer)) optimizer.observer = observer;
    return outputsToNumbers(
      trainer.precisionPlugin.forwardContext(() =>
        trainer.hooks.moduleStrict("trainingStep", batch, batchIdx),
      ),
    );
  }
}

/**
 * LightningModule.manualBackward (Lightning's strategy.backward): the loss scaled by the precision plugin (the
 * GradScaler under "16-mixed"), on_before_backward, the module's backward hook, the gradients averaged across
 * ranks, on_after_backward, and detect_anomaly's check.
 */
export function manualBackward(trainer: Trainer, loss: Tensor): void {
  const hooks = trainer.hooks;
  const scaled = trainer.precisionPlugin.preBackward(loss);
  hooks.callbacksStrict("onBeforeBackward", [scaled]);
  hooks.moduleStrict("onBeforeBackward", scaled);
  hooks.moduleStrict("backward", scaled);
  trainer.strategy.reduceGradients(trainer.lightningModule);
  hooks.callbacksStrict("onAfterBackward");
  hooks.moduleStrict("onAfterBackward");
  if (trainer.detectAnomaly) trainer.checkAnomaly(loss);
}
