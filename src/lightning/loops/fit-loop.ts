// The fit loop (Lightning's _FitLoop + _TrainingEpochLoop + _AutomaticOptimization): epochs, batches, the
// optimizer closure, accumulation, clipping, validation checks, LR schedulers, logging and stopping.
import { tidy } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";
import { BatchFetcher, disposeBatch, outputsToNumbers } from "../trainer/connectors/data-connector.js";
import { stepSchedulers } from "../trainer/optimization.js";
import { precisionPlugin } from "../trainer/precision.js";
import type { Trainer } from "../trainer/trainer.js";
import type { OptimizerLike } from "../trainer/types.js";
import { collectAfterEpoch } from "./epoch-gc.js";
import { runEvaluation } from "./evaluation-loop.js";

/** Runs training epochs until max_epochs/max_steps or an allowed early stop. */
export async function runFitLoop(trainer: Trainer): Promise<void> {
  const p = trainer.progress;
  // A checkpoint saved inside an epoch (every_n_train_steps) has started > processed: resume that epoch
  // after its done batches. One saved at epoch end has processed > completed: that epoch is over.
  let restartingMidEpoch = p.epoch.current.started > p.epoch.current.processed;
  if (restartingMidEpoch) p.resumeMidEpoch();
  else {
    p.epoch.current.completed = p.epoch.current.processed;
    p.epoch.total.completed = p.epoch.total.processed;
  }
  if (fitDone(trainer) || trainer.numTrainingBatches === 0) return;
  await trainer.hooks.callbacks("onTrainStart");
  await trainer.hooks.module("onTrainStart");
  while (!fitDone(trainer)) {
    if (!restartingMidEpoch) {
      p.epoch.total.ready++;
      p.epoch.current.ready++;
      p.startEpoch();
    }
    await trainer.hooks.callbacks("onTrainEpochStart");
    await trainer.hooks.module("onTrainEpochStart");
    if (!restartingMidEpoch) {
      p.epoch.total.started++;
      p.epoch.current.started++;
    }
    restartingMidEpoch = false;
    await runTrainingEpoch(trainer);
    trainer.loggerConnector.epochEndReached();
    p.epoch.total.processed++;
    p.epoch.current.processed++;
    // Callbacks first, except those that monitor metrics: they must see what the module's hook logs.
    await trainer.hooks.callbacks("onTrainEpochEnd", [], false);
    await trainer.hooks.module("onTrainEpochEnd");
    await trainer.hooks.callbacks("onTrainEpochEnd", [], true);
    trainer.strategy.agreeOnStop(trainer);
    trainer.loggerConnector.onEpochEnd();
    if (numReadyBatchesReached(trainer)) updateLr(trainer, "epoch", true);
    // Loggers expect the epoch-end row at the step of the epoch's last batch.
    p.batchesThatStepped -= 1;
    trainer.loggerConnector.updateTrainEpochMetrics();
    p.batchesThatStepped += 1;
    p.epoch.total.completed++;
    p.epoch.current.completed++;
    collectAfterEpoch();
    trainer.throwIfInterrupted();
  }
  await trainer.hooks.callbacks("onTrainEnd");
  await trainer.hooks.module("onTrainEnd");
}

function fitDone(trainer: Trainer): boolean {
  const p = trainer.progress;
  if (trainer.maxSteps !== -1 && trainer.globalStep >= trainer.maxSteps) return true;
  if (trainer.maxEpochs !== -1 && p.epoch.current.processed >= trainer.maxEpochs) {
    p.epoch.current.completed = p.epoch.current.processed;
    return true;
  }
  return trainer.shouldStop && canStopEarly(trainer);
}

/** Whether min_epochs and min_steps allow stopping now. */
export function canStopEarly(trainer: Trainer): boolean {
  const metEpochs = trainer.minEpochs ? trainer.progress.epoch.current.processed >= trainer.minEpochs : true;
  const metSteps = trainer.minSteps ? trainer.globalStep >= trainer.minSteps : true;
  return metEpochs && metSteps;
}

function numReadyBatchesReached(trainer: Trainer): boolean {
  const p = trainer.progress;
  return p.batch.current.ready === trainer.numTrainingBatches || p.batch.isLastBatch;
}

function shouldAccumulate(trainer: Trainer): boolean {
  const accumulationDone = trainer.progress.batch.current.ready % trainer.accumulateGradBatches === 0;
  return !accumulationDone && !numReadyBatchesReached(trainer);
}

function updateLr(trainer: Trainer, interval: "epoch" | "step", plateau: boolean): void {
  if (!trainer.lightningModule.automaticOptimization || trainer.lrSchedulerConfigs.length === 0) return;
  if (interval === "step" && shouldAccumulate(trainer)) return;
  const p = trainer.progress;
  const counter = (interval === "step" ? p.batch.current.ready - 1 : trainer.currentEpoch) + 1;
  const metrics = plateau ? trainer.callbackMetrics : {};
  const stepped = stepSchedulers(trainer.lrSchedulerConfigs, interval, counter, metrics, plateau, (s, m) =>
    trainer.hooks.moduleSync("lrSchedulerStep", s, m),
  );
  p.scheduler.total.ready += stepped;
  p.scheduler.total.completed += stepped;
  p.scheduler.current.ready += stepped;
  p.scheduler.current.completed += stepped;
}

function shouldCheckVal(trainer: Trainer): boolean {
  if (!trainer.enableValidation) return false;
  const every = trainer.checkValEveryNEpoch;
  if (every !== null && (trainer.currentEpoch + 1) % every !== 0) return false;
  if (trainer.shouldStop && canStopEarly(trainer)) return true;
  const p = trainer.progress;
  const batchIdx = p.batch.current.ready - 1;
  if (!Number.isFinite(trainer.valCheckBatch)) return p.batch.isLastBatch;
  const iteration = every === null ? p.batch.total.ready - 1 : batchIdx;
  return (iteration + 1) % trainer.valCheckBatch === 0;
}

async function runTrainingEpoch(trainer: Trainer): Promise<void> {
  const p = trainer.progress;
  const hooks = trainer.hooks;
  const connector = trainer.loggerConnector;
  const fetcher = trainer.rng.startEpochIterator(
    () => new BatchFetcher(trainer.trainDataloader!, trainer.numTrainingBatches),
  );
  // Mid-epoch resume: the loader replays this epoch's order (same RNG as then); skip the batches done.
  for (let done = p.batch.current.ready; done > 0; done--) {
    const skipped = fetcher.next();
    if (skipped === null) break;
    p.batch.isLastBatch = skipped.isLast;
    disposeBatch(skipped.batch);
  }
  trainer.rng.afterSkip();
  try {
    for (;;) {
      const trainingDone =
        (trainer.maxSteps !== -1 && trainer.globalStep >= trainer.maxSteps) ||
        numReadyBatchesReached(trainer);
      if (trainingDone) break;
      if (trainer.shouldStop && canStopEarly(trainer)) break;
      const item = fetcher.next();
      if (item === null) break;
      const batchIdx = p.batch.current.ready;
      p.batch.isLastBatch = item.isLast;
      const batch = await trainer.transferBatch(item.batch, 0);
      p.batch.total.ready++;
      p.batch.current.ready++;
      connector.onBatchStart(batch, null);
      await hooks.callbacks("onTrainBatchStart", [batch, batchIdx]);
      const response = await hooks.module("onTrainBatchStart", batch, batchIdx);
      if (response === -1) {
        // Lightning: returning -1 from on_train_batch_start skips the rest of the epoch.
        p.batch.total.processed++;
        p.batch.current.processed++;
        disposeBatch(item.batch, batch);
        break;
      }
      p.batch.total.started++;
      p.batch.current.started++;
      const accumulate = shouldAccumulate(trainer);
      const output = trainer.profiledCall("run_training_batch", () =>
        tidy(() => runOptimization(trainer, batch, batchIdx, accumulate)),
      );
      p.batch.total.processed++;
      p.batch.current.processed++;
      updateLr(trainer, "step", false);
      if (numReadyBatchesReached(trainer)) updateLr(trainer, "epoch", false);
      await hooks.callbacks("onTrainBatchEnd", [output, batch, batchIdx]);
      await hooks.module("onTrainBatchEnd", output, batch, batchIdx);
      trainer.strategy.agreeOnStop(trainer);
      connector.onBatchEnd();
      p.batch.total.completed++;
      p.batch.current.completed++;
      connector.updateTrainStepMetrics(accumulate);
      disposeBatch(item.batch, batch);
      // on_advance_end: validation when due, plateau schedulers, the logger step counter.
      if (shouldCheckVal(trainer)) {
        const firstLoopIter = connector.firstLoopIter;
        if (!accumulate) await hooks.module("onValidationModelZeroGrad");
        await trainer.runValidationInFit();
        connector.firstLoopIter = firstLoopIter;
      }
      updateLr(trainer, "step", true);
      if (!accumulate) p.batchesThatStepped++;
      // Always before the epoch-end hooks: a Ctrl-C during the epoch must stop it before they save anything.
      await trainer.yieldToEventLoop(numReadyBatchesReached(trainer));
      trainer.throwIfInterrupted();
    }
  } finally {
    fetcher.close();
  }
}

/** One batch of automatic optimization (synchronous: it runs inside the step's tidy scope). */
function runOptimization(trainer: Trainer, batch: unknown, batchIdx: number, accumulate: boolean): unknown {
  const hooks = trainer.hooks;
  const module = trainer.lightningModule;
  const precision = precisionPlugin(trainer);
  if (!module.automaticOptimization)
    return outputsToNumbers(
      precision.forwardContext(() => hooks.moduleStrict("trainingStep", batch, batchIdx)),
    );
  const optimizer = trainer.optimizers[0];
  let output: unknown = null;
  const closure = (): Tensor | null => {
    const stepOutput = precision.forwardContext(() => hooks.moduleStrict("trainingStep", batch, batchIdx));
    const loss = extractLoss(stepOutput);
    output = outputsToNumbers(stepOutput);
    if (optimizer !== undefined && batchIdx % trainer.accumulateGradBatches === 0) {
      const p = trainer.progress;
      p.zeroGrad.total.ready++;
      p.zeroGrad.current.ready++;
      hooks.callbacksStrict("onBeforeZeroGrad", [optimizer]);
      hooks.moduleStrict("onBeforeZeroGrad", optimizer);
      p.zeroGrad.total.started++;
      p.zeroGrad.current.started++;
      hooks.moduleStrict("optimizerZeroGrad", trainer.currentEpoch, batchIdx, optimizer);
      p.zeroGrad.total.completed++;
      p.zeroGrad.current.completed++;
    }
    if (loss === null) return null;
    const scaled = trainer.accumulateGradBatches > 1 ? loss.div(trainer.accumulateGradBatches) : loss;
    // Under "16-mixed" backward runs on the loss times the GradScaler's scale (Lightning's pre_backward).
    const backwardLoss = precision.preBackward(scaled);
    hooks.callbacksStrict("onBeforeBackward", [backwardLoss]);
    hooks.moduleStrict("onBeforeBackward", backwardLoss);
    hooks.moduleStrict("backward", backwardLoss);
    if (!accumulate) trainer.strategy.reduceGradients(module);
    hooks.callbacksStrict("onAfterBackward");
    hooks.moduleStrict("onAfterBackward");
    if (trainer.detectAnomaly) trainer.checkAnomaly(scaled);
    return scaled;
  };
  if (optimizer === undefined || accumulate) {
    closure();
    return output;
  }
  const p = trainer.progress;
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
  p.optimStep.total.ready++;
  p.optimStep.current.ready++;
  hooks.moduleStrict(
    "optimizerStep",
    trainer.currentEpoch,
    batchIdx,
    precision.optimizerForStep(optimizer as OptimizerLike),
    stepClosure,
  );
  p.optimStep.total.completed++;
  p.optimStep.current.completed++;
  return output;
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

/** Runs the validation loop from inside fit (state flags switched as Lightning does). */
export async function validateDuringFit(trainer: Trainer): Promise<void> {
  await runEvaluation(
    trainer,
    "validate",
    trainer.valDataloaders,
    trainer.numValBatches,
    trainer.valProgress,
  );
}
