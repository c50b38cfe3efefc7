// One training epoch (Lightning's _TrainingEpochLoop): batches through automatic or manual optimization, LR
// schedulers stepped per interval, the training step's logging, and, after each batch, the decision to run the
// validation loop (shouldCheckVal: the one place that decides validation during fit).
import { tidy } from "../../torch/scope.js";
import { stepSchedulers } from "../trainer/optimization.js";
import type { Trainer } from "../trainer/trainer.js";
import { EvaluationLoop } from "./evaluation-loop.js";
import type { BatchFetcher } from "./fetchers.js";
import { type LoopChild, RunningLoop } from "./loop.js";
import { AutomaticOptimization } from "./optimization/automatic.js";
import { ManualOptimization } from "./optimization/manual.js";
import { BatchProgress, Progress, stateGet } from "./progress.js";
import { disposeBatch } from "./utilities.js";

/** Runs the batches of one epoch; the fit loop runs it once per epoch. */
export class TrainingEpochLoop extends RunningLoop {
  readonly batchProgress = new BatchProgress();
  readonly schedulerProgress = Progress.readyCompleted();
  readonly automaticOptimization: AutomaticOptimization;
  readonly manualOptimization: ManualOptimization;
  /** The validation loop of fit (and of its sanity check). */
  readonly valLoop: EvaluationLoop;
  /** Optimizer steps as loggers count them (Lightning's `_batches_that_stepped`). */
  batchesThatStepped = 0;
  /** Validate every this many training batches (Infinity: only at the epoch's end); set when fit sets up data. */
  valCheckBatch = Number.POSITIVE_INFINITY;
  #fetcher: BatchFetcher | null = null;
  /** Whether the batch just trained only accumulated gradients (no optimizer step). */
  #accumulating = false;

  constructor(trainer: Trainer) {
    super(trainer);
    this.automaticOptimization = new AutomaticOptimization(trainer);
    this.manualOptimization = new ManualOptimization(trainer);
    this.valLoop = new EvaluationLoop(trainer, "validate");
  }

  protected override children(): readonly LoopChild[] {
    return [
      ["batch_progress", this.batchProgress],
      ["scheduler_progress", this.schedulerProgress],
      ["automatic_optimization", this.automaticOptimization],
      ["manual_optimization", this.manualOptimization],
      ["val_loop", this.valLoop],
    ];
  }

  override onSaveCheckpoint(): Record<string, unknown> {
    return { _batches_that_stepped: this.batchesThatStepped };
  }

  /** Restores what a resumed fit continues from: batch, scheduler and optimizer-step counts (see FitLoop). */
  loadStateDict(fit: unknown): void {
    this.batchProgress.loadStateDict(stateGet(fit, "epoch_loop.batch_progress"));
    this.schedulerProgress.total.loadStateDict(
      stateGet(stateGet(fit, "epoch_loop.scheduler_progress"), "total"),
    );
    const optim = stateGet(fit, "epoch_loop.automatic_optimization.optim_progress");
    this.automaticOptimization.optimProgress.optimizer.step.loadStateDict(
      stateGet(stateGet(optim, "optimizer"), "step"),
    );
    // A manually optimized fit counts its global steps here (Lightning's manual_optimization.optim_step_progress).
    this.manualOptimization.optimStepProgress.total.loadStateDict(
      stateGet(stateGet(fit, "epoch_loop.manual_optimization.optim_step_progress"), "total"),
    );
    const own = stateGet(fit, "epoch_loop.state_dict");
    this.batchesThatStepped = Number(stateGet(own, "_batches_that_stepped") ?? 0);
  }

  /** Optimizer steps taken (Lightning's epoch_loop.global_step; 0 before a module is attached). */
  get globalStep(): number {
    const t = this.trainer;
    if (t.hasLightningModule && !t.lightningModule.automaticOptimization)
      return this.manualOptimization.optimStepProgress.total.completed;
    return this.automaticOptimization.optimProgress.optimizerSteps;
  }

  /** Resets the per-epoch ("current") counts when a new epoch starts (not when one is resumed). */
  startEpoch(): void {
    this.batchProgress.resetOnRun();
    this.automaticOptimization.optimProgress.resetOnRun();
    this.schedulerProgress.resetOnRun();
  }

  /**
   * Prepares to continue an epoch that a mid-epoch checkpoint interrupted: the checkpoint was written in
   * on_train_batch_end, after the optimizer step, so every processed batch counts as done.
   */
  resumeMidEpoch(): void {
    const { total, current } = this.batchProgress;
    const stepped = current.completed < current.processed;
    for (const c of [current, total]) {
      c.ready = c.processed;
      c.started = c.processed;
      c.completed = c.processed;
    }
    // _batches_that_stepped is increased after on_train_batch_end, i.e. after the checkpoint was written.
    if (stepped) this.batchesThatStepped += 1;
  }

  /** Whether the epoch's batches are all done: max_steps reached, or every batch of the limit ran. */
  get #trainingDone(): boolean {
    const maxSteps = this.trainer.maxSteps;
    return (maxSteps !== -1 && this.trainer.globalStep >= maxSteps) || this.numReadyBatchesReached();
  }

  get done(): boolean {
    return this.#trainingDone || (this.trainer.shouldStop && this.trainer.fitLoop.canStopEarly);
  }

  /** Opens the epoch's loader (replaying a resumed epoch's shuffle) and skips the batches a resume already did. */
  protected override reset(): void {
    const trainer = this.trainer;
    const fitLoop = trainer.fitLoop;
    const rng = fitLoop.epochRng;
    const fetcher = rng.startEpochIterator(() => fitLoop.trainBatchFetcher());
    this.#fetcher = fetcher;
    // Mid-epoch resume: the loader replays this epoch's order (same RNG as then); skip the batches done.
    for (let done = this.batchProgress.current.ready; done > 0; done--) {
      const skipped = fetcher.next();
      if (skipped === null) break;
      this.batchProgress.isLastBatch = skipped.isLast;
      disposeBatch(skipped.batch);
    }
    rng.afterSkip();
  }

  protected override teardownRun(): void {
    this.#fetcher?.close();
    this.#fetcher = null;
  }

  /** Fetches and trains one batch. */
  protected override async advance(): Promise<void> {
    const item = this.#fetcher!.next();
    if (item === null) return this.stopIteration();
    const trainer = this.trainer;
    const hooks = trainer.hooks;
    const connector = trainer.loggerConnector;
    const progress = this.batchProgress;
    const batchIdx = progress.current.ready;
    progress.isLastBatch = item.isLast;
    const batch = await trainer.transferBatch(item.batch, 0);
    progress.incrementReady();
    connector.onBatchStart(batch, null);
    await hooks.callbacks("onTrainBatchStart", [batch, batchIdx]);
    const response = await hooks.module("onTrainBatchStart", batch, batchIdx);
    if (response === -1) {
      // Lightning: returning -1 from on_train_batch_start skips the rest of the epoch.
      progress.incrementProcessed();
      disposeBatch(item.batch, batch);
      return this.stopIteration();
    }
    progress.incrementStarted();
    const accumulate = this.#shouldAccumulate();
    const automatic = trainer.lightningModule.automaticOptimization;
    const output = trainer.profiledCall("run_training_batch", () =>
      tidy(() =>
        automatic
          ? this.automaticOptimization.run(batch, batchIdx, accumulate)
          : this.manualOptimization.run(batch, batchIdx),
      ),
    );
    progress.incrementProcessed();
    this.updateLrSchedulers("step", false);
    if (this.numReadyBatchesReached()) this.updateLrSchedulers("epoch", false);
    await hooks.callbacks("onTrainBatchEnd", [output, batch, batchIdx]);
    await hooks.module("onTrainBatchEnd", output, batch, batchIdx);
    trainer.strategy.agreeOnStop(trainer);
    connector.onBatchEnd();
    progress.incrementCompleted();
    connector.updateTrainStepMetrics(accumulate);
    disposeBatch(item.batch, batch);
    this.#accumulating = accumulate;
  }

  /** on_advance_end: validation when due, plateau schedulers, the logger step counter. */
  protected override async onAdvanceEnd(): Promise<void> {
    const trainer = this.trainer;
    const accumulate = this.#accumulating;
    if (this.shouldCheckVal()) {
      const connector = trainer.loggerConnector;
      const firstLoopIter = connector.firstLoopIter;
      if (!accumulate) await trainer.hooks.module("onValidationModelZeroGrad");
      await this.#runValidation();
      connector.firstLoopIter = firstLoopIter;
    }
    this.updateLrSchedulers("step", true);
    if (!accumulate) this.batchesThatStepped++;
    // Always before the epoch-end hooks: a Ctrl-C during the epoch must stop it before they save anything.
    await trainer.yieldToEventLoop(this.numReadyBatchesReached());
    trainer.throwIfInterrupted();
    await trainer.requeueConnector.handle(trainer);
  }

  protected override onRunEnd(): void {}

  /** Validation inside fit: the stage switches to "validate" while the validation loop runs. */
  async #runValidation(): Promise<void> {
    const trainer = this.trainer;
    // A Ctrl-C that arrived during the training steps stops the fit before this validation (and its saves).
    await trainer.yieldToEventLoop(true);
    trainer.throwIfInterrupted();
    trainer.state.stage = "validate";
    try {
      await trainer.fitLoop.reloadValDataIfDue();
      await this.valLoop.run();
      trainer.strategy.agreeOnStop(trainer);
    } finally {
      trainer.state.stage = "train";
    }
  }

  /**
   * Whether the validation loop runs after this batch (Lightning's _should_check_val_fx): when fit has
   * validation, in an epoch that check_val_every_n_epoch selects, on a stop that min_epochs/min_steps allow, or
   * every val_check_batch batches (of the epoch, or of the whole fit when check_val_every_n_epoch is null);
   * with an epoch-long interval, on the epoch's last batch.
   */
  shouldCheckVal(): boolean {
    const trainer = this.trainer;
    if (!trainer.fitLoop.enableValidation) return false;
    const every = trainer.checkValEveryNEpoch;
    if (every !== null && (trainer.currentEpoch + 1) % every !== 0) return false;
    if (trainer.shouldStop && trainer.fitLoop.canStopEarly) return true;
    const progress = this.batchProgress;
    const batchIdx = progress.current.ready - 1;
    if (!Number.isFinite(this.valCheckBatch)) return progress.isLastBatch;
    const iteration = every === null ? progress.total.ready - 1 : batchIdx;
    return (iteration + 1) % this.valCheckBatch === 0;
  }

  /** Whether every batch of the epoch's limit has been fetched (or the loader said the last one was). */
  numReadyBatchesReached(): boolean {
    const progress = this.batchProgress;
    return progress.current.ready === this.trainer.numTrainingBatches || progress.isLastBatch;
  }

  #shouldAccumulate(): boolean {
    const accumulationDone = this.batchProgress.current.ready % this.trainer.accumulateGradBatches === 0;
    return !accumulationDone && !this.numReadyBatchesReached();
  }

  /** Steps the LR schedulers of `interval` that are due (Lightning's update_lr_schedulers). */
  updateLrSchedulers(interval: "epoch" | "step", plateau: boolean): void {
    const trainer = this.trainer;
    if (!trainer.lightningModule.automaticOptimization || trainer.lrSchedulerConfigs.length === 0) return;
    if (interval === "step" && this.#shouldAccumulate()) return;
    const counter = (interval === "step" ? this.batchProgress.current.ready - 1 : trainer.currentEpoch) + 1;
    const metrics = plateau ? trainer.callbackMetrics : {};
    const stepped = stepSchedulers(trainer.lrSchedulerConfigs, interval, counter, metrics, plateau, (s, m) =>
      trainer.hooks.moduleSync("lrSchedulerStep", s, m),
    );
    this.schedulerProgress.incrementBy(stepped);
  }
}
