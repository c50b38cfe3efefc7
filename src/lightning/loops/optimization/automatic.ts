// Automatic optimization (Lightning's loops/optimization/automatic.py): one training batch as the optimizer's
// closure (trainingStep, zero_grad, backward) run by the optimizer_step hook, with accumulation, clipping, the
// precision plugin's scaling and DDP's gradient averaging. Synchronous: it runs inside the step's tidy scope.
import type { Tensor } from "../../../torch/tensor.js";
import type { OptimizerLike } from "../../trainer/types.js";
import { Loop, type LoopChild } from "../loop.js";
import { OptimizationProgress } from "../progress.js";
import { outputsToNumbers } from "../utilities.js";

/** Runs one batch of automatic optimization and counts the optimizer's zero_grad and step calls. */
export class AutomaticOptimization extends Loop {
  readonly optimProgress = new OptimizationProgress();

  protected override children(): readonly LoopChild[] {
    return [["optim_progress", this.optimProgress]];
  }

  /**
   * Runs trainingStep on `batch` inside the optimizer's closure and steps the optimizer, or, while
   * `accumulate`, only the closure (gradients add up). Returns the step's output with tensors as numbers.
   */
  run(batch: unknown, batchIdx: number, accumulate: boolean): unknown {
    const trainer = this.trainer;
    const hooks = trainer.hooks;
    const precision = trainer.precisionPlugin;
    const optimizer = trainer.optimizers[0];
    const zeroGrad = this.optimProgress.optimizer.zeroGrad;
    let output: unknown = null;
    const closure = (): Tensor | null => {
      const stepOutput = precision.forwardContext(() => hooks.moduleStrict("trainingStep", batch, batchIdx));
      const loss = extractLoss(stepOutput);
      output = outputsToNumbers(stepOutput);
      if (optimizer !== undefined && batchIdx % trainer.accumulateGradBatches === 0) {
        zeroGrad.incrementReady();
        hooks.callbacksStrict("onBeforeZeroGrad", [optimizer]);
        hooks.moduleStrict("onBeforeZeroGrad", optimizer);
        zeroGrad.incrementStarted();
        hooks.moduleStrict("optimizerZeroGrad", trainer.currentEpoch, batchIdx, optimizer);
        zeroGrad.incrementCompleted();
      }
      if (loss === null) return null;
      const scaled = trainer.accumulateGradBatches > 1 ? loss.div(trainer.accumulateGradBatches) : loss;
      // Under "16-mixed" backward runs on the loss times the GradScaler's scale (Lightning's pre_backward).
      const backwardLoss = precision.preBackward(scaled);
      hooks.callbacksStrict("onBeforeBackward", [backwardLoss]);
      hooks.moduleStrict("onBeforeBackward", backwardLoss);
      hooks.moduleStrict("backward", backwardLoss);
      if (!accumulate) trainer.strategy.reduceGradients(trainer.lightningModule);
      hooks.callbacksStrict("onAfterBackward");
      hooks.moduleStrict("onAfterBackward");
      if (trainer.detectAnomaly) trainer.checkAnomaly(scaled);
      return scaled;
    };
    if (optimizer === undefined || accumulate) {
      closure();
      return output;
    }
    const stepClosure = () => {
      const loss = closure();
      precision.afterClosure(optimizer, loss);
      hooks.callbacksStrict("onBeforeOptimizerStep", [optimizer]);
      hooks.moduleStrict("onBeforeOptimizerStep", optimizer);
      hooks.moduleStrict(
        "configureGradientClipping",
        optimizer,
        trainer.gradientClipVal,
        trainer.gradientClipAlgorithm,
      );
      return loss;
    };
    const step = this.optimProgress.optimizer.step;
    step.incrementReady();
    hooks.moduleStrict(
      "optimizerStep",
      trainer.currentEpoch,
      batchIdx,
      precision.optimizerForStep(optimizer as OptimizerLike),
      stepClosure,
    );
    step.incrementCompleted();
    return output;
  }
}

/** The loss of a trainingStep output: the tensor itself, or its `loss` entry; null skips the batch. */
function extractLoss(output: unknown): Tensor | null {
  if (output === null || output === undefined) return null;
  const asTensor = output as Tensor;
  if (typeof asTensor.backward === "function") return asTensor;
  if (typeof output === "object" && "loss" in output) {
    const loss = (output as { loss: unknown }).loss;
    if (loss !== null && typeof (loss as Tensor).backward === "function") return loss as Tensor;
  }
  throw new Error(
    "In automatic optimization, `trainingStep` must return a Tensor, a dict with a `loss` key, or null (skip).",
  );
}
