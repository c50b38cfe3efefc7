/**
 * ModelCheckpoint (Lightning 2.6 semantics): saves checkpoints every N epochs / N train steps / time interval,
 * keeps the top k by a monitored metric (deleting the files that drop out), `last.ckpt`, and the state
 * (best_model_path, best_k_models, ...) that a resumed fit restores. Options use Lightning's snake_case names.
 * This file holds when to save (the hooks); how a save goes and the state live in CheckpointSaver.
 */
import { dirNotEmpty } from "./checkpoint-files.js";
import { savedOnExceptionMessage } from "./checkpoint-messages.js";
import type { NameMetrics } from "./checkpoint-name.js";
import { type ModelCheckpointOptions, resolveCheckpointOptions } from "./checkpoint-options.js";
import { defaultCheckpointDir, saveOnTrainEpochEnd, skipSaving, validatesAfter } from "./checkpoint-rules.js";
import { CheckpointSaver } from "./checkpoint-saver.js";
import { TrainStepSchedule } from "./checkpoint-step-schedule.js";
import { emitInfo, emitWarning } from "./messages.js";
import { type CheckpointTrainerView, isFitting } from "./trainer-view.js";

export type { ModelCheckpointOptions } from "./checkpoint-options.js";

/** Saves the model periodically, keeping the best k checkpoints by a monitored metric. */
export class ModelCheckpoint extends CheckpointSaver {
  readonly #stepSchedule: TrainStepSchedule;
  readonly #everyNEpochs: number;
  readonly #saveOnTrainEpochEnd: boolean | null;
  #deferUntilValidation = false;

  constructor(options: ModelCheckpointOptions = {}) {
    const o = resolveCheckpointOptions(options);
    super(o);
    this.#saveOnTrainEpochEnd = o.saveOnTrainEpochEnd;
    this.#stepSchedule = new TrainStepSchedule(o.everyNTrainSteps, o.trainTimeInterval);
    this.#everyNEpochs = o.everyNEpochs;
  }

  override get stateKey(): string {
    return this.generateStateKey({
      monitor: this.monitor,
      mode: this.mode,
      every_n_train_steps: this.#stepSchedule.everyNTrainSteps,
      every_n_epochs: this.#everyNEpochs,
      train_time_interval: this.#stepSchedule.trainTimeInterval,
    });
  }

  /** Epochs between checkpoints (0: no epoch-end saving). */
  get everyNEpochs(): number {
    return this.#everyNEpochs;
  }

  override setup(trainer: CheckpointTrainerView, _module: unknown, stage: string): void {
    this.dirpath = this.dirpath ?? defaultCheckpointDir(trainer);
    if (trainer.isGlobalZero !== false && stage === "fit") this.#warnIfDirNotEmpty(this.dirpath);
  }

  override onTrainStart(): void {
    this.#stepSchedule.start();
  }

  // Synchronous unless it saves: it runs after every training batch, and an async hook costs a Promise.
  override onTrainBatchEnd(
    trainer: CheckpointTrainerView,
    _module: unknown,
    _outputs: unknown,
    _batch: unknown,
    batchIdx: number,
  ): Promise<void> | undefined {
    if (!this.#stepSchedule.isDue(trainer.globalStep)) return;
    const candidates = this.monitorCandidates(trainer);
    // A validation-only metric is not there yet: save when validation has produced it.
    if (this.monitor !== null && !candidates.has(this.monitor)) {
      this.#deferUntilValidation = true;
      return;
    }
    // On the last batch before a validation, a stale value of the monitor must wait for the fresh one.
    if (
      this.monitor !== null &&
      !this.#shouldSaveOnTrainEpochEnd(trainer) &&
      validatesAfter(trainer, batchIdx)
    ) {
      this.#deferUntilValidation = true;
      return;
    }
    if (this.#shouldSkipSaving(trainer)) return;
    return this.#saveOnBatch(trainer, candidates);
  }

  async #saveOnBatch(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    await this.saveTopKCheckpoint(trainer, candidates);
    await this.saveLastCheckpoint(trainer, candidates);
  }

  override async onTrainEpochEnd(trainer: CheckpointTrainerView): Promise<void> {
    if (this.#shouldSkipSaving(trainer) || !this.#shouldSaveOnTrainEpochEnd(trainer)) return;
    await this.#saveAtEpochBoundary(trainer);
  }

  override async onValidationEnd(trainer: CheckpointTrainerView): Promise<void> {
    this.noteValidationEnd(trainer);
    if (this.#shouldSkipSaving(trainer) || this.#shouldSaveOnTrainEpochEnd(trainer)) return;
    if (this.#deferUntilValidation) {
      const candidates = this.monitorCandidates(trainer);
      await this.saveTopKCheckpoint(trainer, candidates);
      await this.saveLastCheckpoint(trainer, candidates);
      this.#deferUntilValidation = false;
      return;
    }
    await this.#saveAtEpochBoundary(trainer);
  }

  async #saveAtEpochBoundary(trainer: CheckpointTrainerView): Promise<void> {
    const candidates = this.monitorCandidates(trainer);
    if (this.#everyNEpochs >= 1 && (trainer.currentEpoch + 1) % this.#everyNEpochs === 0) {
      await this.saveTopKCheckpoint(trainer, candidates);
    }
    // last.ckpt follows an actual save at this step (or always re-links for save_last="link").
    if (
      this.lastGlobalStepSaved === trainer.globalStep ||
      (this.saveLast === "link" && this.lastCheckpointSaved !== "")
    ) {
      await this.saveLastCheckpoint(trainer, candidates);
    }
  }

  override async onException(
    trainer: CheckpointTrainerView,
    _module: unknown,
    exception: unknown,
  ): Promise<void> {
    const should =
      this.saveOnException &&
      !trainer.fastDevRun &&
      !trainer.sanityChecking &&
      this.lastGlobalStepSaved !== trainer.globalStep;
    if (!should) return;
    const candidates = this.monitorCandidates(trainer);
    const filepath = this.formatCheckpointName(candidates);
    await this.saveCheckpointFile(trainer, filepath);
    await this.saveLastCheckpoint(trainer, candidates);
    emitInfo(savedOnExceptionMessage(exception, filepath));
  }

  override async onTrainEnd(trainer: CheckpointTrainerView): Promise<void> {
    // Lightning 2.6 writes last.ckpt here even in fast_dev_run; Kiln keeps fast_dev_run checkpoint-free.
    const skip = Boolean(trainer.fastDevRun) || !isFitting(trainer) || trainer.sanityChecking;
    if (this.saveLast && this.lastCheckpointSaved === "" && !skip) {
      await this.saveLastCheckpoint(trainer, this.monitorCandidates(trainer));
    }
  }

  #warnIfDirNotEmpty(dirpath: string): void {
    if (this.saveTopK !== 0 && dirNotEmpty(dirpath))
      emitWarning(`Checkpoint directory ${dirpath} exists and is not empty.`);
  }

  #shouldSkipSaving(trainer: CheckpointTrainerView): boolean {
    return skipSaving(trainer, this.lastGlobalStepSaved);
  }

  #shouldSaveOnTrainEpochEnd(trainer: CheckpointTrainerView): boolean {
    return saveOnTrainEpochEnd(this.#saveOnTrainEpochEnd, trainer);
  }
}
