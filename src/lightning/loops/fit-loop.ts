// The fit loop (Lightning's _FitLoop, with Trainer._run_sanity_check): the sanity check, the training and
// validation data, then epochs until max_epochs/max_steps or an allowed early stop. Each epoch's batches are the
// training epoch loop's (training-epoch-loop.ts), which also decides when validation runs.
import { withoutShuffle } from "../trainer/connectors/data-connector.js";
import { isOverridden } from "../trainer/hooks.js";
import type { Trainer } from "../trainer/trainer.js";
import { collectAfterEpoch } from "./epoch-gc.js";
import { EpochRng } from "./epoch-rng.js";
import { BatchFetcher } from "./fetchers.js";
import { type LoopChild, RunningLoop } from "./loop.js";
import { Progress, stateGet } from "./progress.js";
import { TrainingEpochLoop } from "./training-epoch-loop.js";
import { isolateRng, type Loader } from "./utilities.js";

/** Runs a fit's epochs; its state is the checkpoint's `loops.fit_loop`. */
export class FitLoop extends RunningLoop {
  readonly epochProgress = Progress.processed();
  readonly epochLoop: TrainingEpochLoop;
  /** The global RNG state at the start of the running epoch, kept for exact mid-epoch resume. */
  readonly epochRng = new EpochRng();
  /** The training loader of the running fit (shuffling off under overfit_batches). */
  trainDataloader: Loader | null = null;
  /** Training batches per epoch after limit_train_batches. */
  numTrainingBatches = 0;
  /** Whether this fit has a validation loop (val data, validationStep overridden, limit_val_batches > 0). */
  enableValidation = false;
  #restartingMidEpoch = false;
  /** The epochs at which the training and validation loaders were last asked for. */
  #lastTrainReloadEpoch = 0;
  #lastValReloadEpoch = 0;

  constructor(trainer: Trainer) {
    super(trainer);
    this.epochLoop = new TrainingEpochLoop(trainer);
  }

  protected override children(): readonly LoopChild[] {
    return [
      ["epoch_loop", this.epochLoop],
      ["epoch_progress", this.epochProgress],
    ];
  }

  /**
   * Restores the counts a resumed fit continues from: the epoch, batch, optimizer-step and scheduler counts
   * and `_batches_that_stepped` (Kiln restores these, not the zero_grad and validation counts; missing keys
   * read as zero).
   */
  loadStateDict(loops: unknown, where: string): void {
    const fit = stateGet(loops, "fit_loop");
    if (fit === undefined)
      throw new Error(`${where}: the checkpoint has no loops.fit_loop state; it cannot resume fitting.`);
    this.epochProgress.loadStateDict(stateGet(fit, "epoch_progress"));
    this.epochLoop.loadStateDict(fit);
  }

  /** Whether min_epochs and min_steps allow stopping now. */
  get canStopEarly(): boolean {
    const t = this.trainer;
    const metEpochs = t.minEpochs ? this.epochProgress.current.processed >= t.minEpochs : true;
    const metSteps = t.minSteps ? t.globalStep >= t.minSteps : true;
    return metEpochs && metSteps;
  }

  /** Whether fit is over: max_steps or max_epochs reached, or a stop that min_epochs/min_steps allow. */
  get done(): boolean {
    const t = this.trainer;
    if (t.maxSteps !== -1 && t.globalStep >= t.maxSteps) return true;
    const current = this.epochProgress.current;
    if (t.maxEpochs !== -1 && current.processed >= t.maxEpochs) {
      // `processed` grows before on_train_epoch_end (where checkpoints are saved): currentEpoch reads completed.
      current.completed = current.processed;
      return true;
    }
    return t.shouldStop && this.canStopEarly;
  }

  protected override get skip(): boolean {
    return this.done || this.numTrainingBatches === 0;
  }

  /** Runs fit: the sanity check, the data, then the epochs. */
  override async run(): Promise<void> {
    const t = this.trainer;
    const data = t.dataConnector;
    this.enableValidation =
      data.isDefined("val") &&
      isOverridden("validationStep", t.lightningModule) &&
      t.options.limitValBatches.value > 0;
    let valLoaded = false;
    const restarting = this.epochProgress.total.processed > 0;
    if (this.enableValidation && t.numSanityValSteps > 0 && !restarting) {
      await this.#runSanityCheck();
      valLoaded = true;
    }
    t.state.stage = "train";
    await this.#setupTrainData();
    if (this.enableValidation && !valLoaded) await this.#setupValData();
    await super.run();
  }

  /** Lightning's _run_sanity_check: a few validation batches before training, the RNG state left untouched. */
  async #runSanityCheck(): Promise<void> {
    const t = this.trainer;
    const valLoop = this.epochLoop.valLoop;
    t.state.stage = "sanity_check";
    t.loggerConnector.resetResults();
    t.loggerConnector.resetMetrics();
    await t.hooks.callbacks("onSanityCheckStart");
    await this.#setupValData();
    valLoop.sanityMaxBatches = valLoop.maxBatches.map((n) => Math.min(n, t.numSanityValSteps));
    await isolateRng(() => valLoop.run());
    await t.hooks.callbacks("onSanityCheckEnd");
    t.loggerConnector.resetResults();
    t.loggerConnector.resetMetrics();
    valLoop.batchProgress.reset(); // the sanity check's batches do not count as validation
  }

  async #setupValData(): Promise<void> {
    const valLoop = this.epochLoop.valLoop;
    const data = this.trainer.dataConnector;
    this.#lastValReloadEpoch = this.trainer.currentEpoch;
    valLoop.loaders = await data.loaders("val");
    valLoop.maxBatches = data.limits("val", valLoop.loaders);
  }

  /** Lightning's setup_data: the training loader, its batch count and the validation interval in batches. */
  async #setupTrainData(): Promise<void> {
    const t = this.trainer;
    this.#lastTrainReloadEpoch = t.currentEpoch;
    const [train] = await t.dataConnector.loaders("train");
    if (train === undefined) {
      throw new Error(
        "No `trainDataloader()` method defined. Define it in the LightningModule or the datamodule, or pass trainDataloaders.",
      );
    }
    this.trainDataloader = t.options.overfitBatches.value > 0 ? withoutShuffle(train) : train;
    [this.numTrainingBatches] = t.dataConnector.limits("train", [train]) as [number];
    const interval = t.options.valCheckInterval;
    if (interval.kind === "int") {
      if (interval.value > this.numTrainingBatches && t.checkValEveryNEpoch !== null) {
        throw new Error(
          `\`val_check_interval\` (${interval.value}) must be less than or equal to the number of the training ` +
            `batches (${this.numTrainingBatches}). Set \`check_val_every_n_epoch: null\` to count across epochs.`,
        );
      }
      this.epochLoop.valCheckBatch = interval.value;
    } else {
      this.epochLoop.valCheckBatch = Number.isFinite(this.numTrainingBatches)
        ? Math.max(1, Math.floor(this.numTrainingBatches * interval.value))
        : Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Lightning's reload_dataloaders_every_n_epochs: the training loader is asked for again when an epoch starts
   * n epochs after the last load, the validation loaders when validation runs n epochs after theirs.
   */
  #due(lastEpoch: number): boolean {
    const n = this.trainer.reloadDataloadersEveryNEpochs;
    return n > 0 && this.trainer.currentEpoch - lastEpoch >= n;
  }

  /** Reloads the validation loaders when reload_dataloaders_every_n_epochs says so (before fit's validation). */
  async reloadValDataIfDue(): Promise<void> {
    if (this.#due(this.#lastValReloadEpoch)) await this.#setupValData();
  }

  /** A fetcher over this epoch's training batches. */
  trainBatchFetcher(): BatchFetcher {
    return new BatchFetcher(this.trainDataloader!, this.numTrainingBatches);
  }

  /**
   * Where a resumed fit starts: a checkpoint saved inside an epoch (every_n_train_steps) has started >
   * processed, and that epoch continues after its done batches; one saved at an epoch's end has processed >
   * completed, and that epoch is over.
   */
  protected override reset(): void {
    const current = this.epochProgress.current;
    this.#restartingMidEpoch = current.started > current.processed;
    if (this.#restartingMidEpoch) this.epochLoop.resumeMidEpoch();
    else {
      current.completed = current.processed;
      this.epochProgress.total.completed = this.epochProgress.total.processed;
    }
  }

  protected override async onRunStart(): Promise<void> {
    await this.trainer.hooks.callbacks("onTrainStart");
    await this.trainer.hooks.module("onTrainStart");
  }

  /** One epoch: its start hooks (unless resuming it), then its batches. */
  protected override async advance(): Promise<void> {
    const hooks = this.trainer.hooks;
    const resuming = this.#restartingMidEpoch;
    if (this.#due(this.#lastTrainReloadEpoch)) await this.#setupTrainData();
    if (!resuming) {
      this.epochProgress.incrementReady();
      this.epochLoop.startEpoch();
    }
    await hooks.callbacks("onTrainEpochStart");
    await hooks.module("onTrainEpochStart");
    if (!resuming) this.epochProgress.incrementStarted();
    this.#restartingMidEpoch = false;
    await this.epochLoop.run();
  }

  /** The epoch's end: its hooks, epoch-level logging, epoch-interval schedulers. */
  protected override async onAdvanceEnd(): Promise<void> {
    const t = this.trainer;
    const connector = t.loggerConnector;
    const epochLoop = this.epochLoop;
    connector.epochEndReached();
    this.epochProgress.incrementProcessed();
    // Callbacks first, except those that monitor metrics: they must see what the module's hook logs.
    await t.hooks.callbacks("onTrainEpochEnd", [], false);
    await t.hooks.module("onTrainEpochEnd");
    connector.settle();
    await t.hooks.callbacks("onTrainEpochEnd", [], true);
    t.strategy.agreeOnStop(t);
    connector.onEpochEnd();
    if (epochLoop.numReadyBatchesReached()) epochLoop.updateLrSchedulers("epoch", true);
    // Loggers expect the epoch-end row at the step of the epoch's last batch.
    epochLoop.batchesThatStepped -= 1;
    connector.updateTrainEpochMetrics();
    epochLoop.batchesThatStepped += 1;
    this.epochProgress.incrementCompleted();
    collectAfterEpoch();
    t.throwIfInterrupted();
  }

  protected override async onRunEnd(): Promise<void> {
    await this.trainer.hooks.callbacks("onTrainEnd");
    await this.trainer.hooks.module("onTrainEnd");
  }

  /** Frees what a fit kept (the epoch RNG states); called when fit ends, however it ends. */
  teardown(): void {
    this.epochRng.dispose();
  }
}
