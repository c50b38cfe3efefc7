/**
 * ModelCheckpoint (Lightning 2.6 semantics): saves checkpoints every N epochs / N train steps / time interval,
 * keeps the top k by a monitored metric (deleting the files that drop out), `last.ckpt`, and the state
 * (best_model_path, best_k_models, ...) that a resumed fit restores. Options use Lightning's snake_case names.
 */
import { pyRepr } from "../../common/pyrepr.js";
import { Callback } from "./callback.js";

export type { ModelCheckpointOptions } from "./checkpoint-options.js";

import {
  absoluteDir,
  dirNotEmpty,
  fileExists,
  isInside,
  linkCheckpoint,
  pyJoin,
  removeFile,
  type TimeDelta,
} from "./checkpoint-files.js";
import { formatCheckpointFilename, type NameMetrics } from "./checkpoint-name.js";
import { type ModelCheckpointOptions, resolveCheckpointOptions } from "./checkpoint-options.js";
import { defaultCheckpointDir, saveOnTrainEpochEnd, skipSaving, validatesAfter } from "./checkpoint-rules.js";
import { TopKScores } from "./checkpoint-topk.js";
import { emitInfo, emitWarning } from "./messages.js";
import { MisconfigurationError } from "./options.js";
import { pyFormatNumber } from "./pyformat.js";
import { type CheckpointTrainerView, isFitting, metricEntries } from "./trainer-view.js";

/** Saves the model periodically, keeping the best k checkpoints by a monitored metric. */
export class ModelCheckpoint extends Callback {
  CHECKPOINT_JOIN_CHAR = "-";
  CHECKPOINT_EQUALS_CHAR = "=";
  CHECKPOINT_NAME_LAST = "last";
  FILE_EXTENSION = ".ckpt";
  STARTING_VERSION = 1;

  dirpath: string | null;
  filename: string | null;
  readonly monitor: string | null;
  readonly mode: "min" | "max";
  verbose: boolean;
  saveLast: boolean | "link" | null;
  saveTopK: number;
  saveOnException: boolean;
  saveWeightsOnly: boolean;
  autoInsertMetricName: boolean;
  lastModelPath = "";
  readonly #scores: TopKScores;
  readonly #everyNTrainSteps: number;
  readonly #everyNEpochs: number;
  readonly #trainTimeInterval: TimeDelta | null;
  readonly #saveOnTrainEpochEnd: boolean | null;
  readonly #enableVersionCounter: boolean;
  #lastGlobalStepSaved = 0;
  #lastTimeChecked: number | null = null;
  #lastCheckpointSaved = "";
  #deferUntilValidation = false;
  #validationHasRun = false;

  constructor(options: ModelCheckpointOptions = {}) {
    super();
    const o = resolveCheckpointOptions(options);
    this.monitor = o.monitor;
    this.verbose = o.verbose;
    this.saveLast = o.saveLast;
    this.saveTopK = o.saveTopK;
    this.saveOnException = o.saveOnException;
    this.saveWeightsOnly = o.saveWeightsOnly;
    this.autoInsertMetricName = o.autoInsertMetricName;
    this.mode = o.mode;
    this.#scores = new TopKScores(o.mode);
    this.dirpath = o.dirpath === null ? null : absoluteDir(o.dirpath);
    this.filename = o.filename;
    this.#saveOnTrainEpochEnd = o.saveOnTrainEpochEnd;
    this.#enableVersionCounter = o.enableVersionCounter;
    this.#everyNTrainSteps = o.everyNTrainSteps;
    this.#everyNEpochs = o.everyNEpochs;
    this.#trainTimeInterval = o.trainTimeInterval;
  }

  override get stateKey(): string {
    return this.generateStateKey({
      monitor: this.monitor,
      mode: this.mode,
      every_n_train_steps: this.#everyNTrainSteps,
      every_n_epochs: this.#everyNEpochs,
      train_time_interval: this.#trainTimeInterval,
    });
  }

  /** Epochs between checkpoints (0: no epoch-end saving). */
  get everyNEpochs(): number {
    return this.#everyNEpochs;
  }

  /** Saved top-k checkpoint paths and their scores, in insertion order (Lightning's best_k_models). */
  get bestKModels(): Record<string, number> {
    return Object.fromEntries(this.#scores.models);
  }
  /** The path of the best checkpoint so far ("" before the first save). */
  get bestModelPath(): string {
    return this.#scores.bestModelPath;
  }
  set bestModelPath(path: string) {
    this.#scores.bestModelPath = path;
  }
  /** The monitored value of the best checkpoint (null without a monitor or before a save). */
  get bestModelScore(): number | null {
    return this.#scores.bestModelScore;
  }
  /** The monitored value of the latest top-k save. */
  get currentScore(): number | null {
    return this.#scores.currentScore;
  }
  /** The path of the worst checkpoint kept in the top k. */
  get kthBestModelPath(): string {
    return this.#scores.kthBestModelPath;
  }
  /** The score of the worst checkpoint kept (±inf until the top k is full). */
  get kthValue(): number {
    return this.#scores.kthValue;
  }

  override setup(trainer: CheckpointTrainerView, _module: unknown, stage: string): void {
    this.dirpath = this.dirpath ?? defaultCheckpointDir(trainer);
    if (trainer.isGlobalZero !== false && stage === "fit") this.#warnIfDirNotEmpty(this.dirpath);
  }

  override onTrainStart(): void {
    this.#lastTimeChecked = performance.now() / 1000;
  }

  // Synchronous unless it saves: it runs after every training batch, and an async hook costs a Promise.
  override onTrainBatchEnd(
    trainer: CheckpointTrainerView,
    _module: unknown,
    _outputs: unknown,
    _batch: unknown,
    batchIdx: number,
  ): Promise<void> | undefined {
    const skipBatch = this.#everyNTrainSteps < 1 || trainer.globalStep % this.#everyNTrainSteps !== 0;
    let skipTime = true;
    const now = performance.now() / 1000;
    if (this.#trainTimeInterval !== null) {
      const prev = this.#lastTimeChecked;
      skipTime = prev === null || now - prev < this.#trainTimeInterval.totalSeconds;
    }
    if (skipBatch && skipTime) return;
    if (!skipTime) this.#lastTimeChecked = now;
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
    await this.#saveTopK(trainer, candidates);
    await this.#saveLast(trainer, candidates);
  }

  override async onTrainEpochEnd(trainer: CheckpointTrainerView): Promise<void> {
    if (this.#shouldSkipSaving(trainer) || !this.#shouldSaveOnTrainEpochEnd(trainer)) return;
    await this.#saveAtEpochBoundary(trainer);
  }

  override async onValidationEnd(trainer: CheckpointTrainerView): Promise<void> {
    if (!trainer.sanityChecking) this.#validationHasRun = true;
    if (this.#shouldSkipSaving(trainer) || this.#shouldSaveOnTrainEpochEnd(trainer)) return;
    if (this.#deferUntilValidation) {
      const candidates = this.monitorCandidates(trainer);
      await this.#saveTopK(trainer, candidates);
      await this.#saveLast(trainer, candidates);
      this.#deferUntilValidation = false;
      return;
    }
    await this.#saveAtEpochBoundary(trainer);
  }

  async #saveAtEpochBoundary(trainer: CheckpointTrainerView): Promise<void> {
    const candidates = this.monitorCandidates(trainer);
    if (this.#everyNEpochs >= 1 && (trainer.currentEpoch + 1) % this.#everyNEpochs === 0) {
      await this.#saveTopK(trainer, candidates);
    }
    // last.ckpt follows an actual save at this step (or always re-links for save_last="link").
    if (
      this.#lastGlobalStepSaved === trainer.globalStep ||
      (this.saveLast === "link" && this.#lastCheckpointSaved !== "")
    ) {
      await this.#saveLast(trainer, candidates);
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
      this.#lastGlobalStepSaved !== trainer.globalStep;
    if (!should) return;
    const candidates = this.monitorCandidates(trainer);
    const filepath = this.formatCheckpointName(candidates);
    await this.#saveCheckpoint(trainer, filepath);
    await this.#saveLast(trainer, candidates);
    const err = exception instanceof Error ? exception : new Error(String(exception));
    emitInfo(`An ${err.name} was raised with message: ${err.message}, saved checkpoint to ${filepath}`);
  }

  override async onTrainEnd(trainer: CheckpointTrainerView): Promise<void> {
    // Lightning 2.6 writes last.ckpt here even in fast_dev_run; Kiln keeps fast_dev_run checkpoint-free.
    const skip = Boolean(trainer.fastDevRun) || !isFitting(trainer) || trainer.sanityChecking;
    if (this.saveLast && this.#lastCheckpointSaved === "" && !skip) {
      await this.#saveLast(trainer, this.monitorCandidates(trainer));
    }
  }

  override stateDict(): Record<string, unknown> {
    const scores = this.#scores.toState();
    return {
      monitor: this.monitor,
      best_model_score: scores.best_model_score,
      best_model_path: scores.best_model_path,
      current_score: scores.current_score,
      dirpath: this.dirpath,
      best_k_models: scores.best_k_models,
      kth_best_model_path: scores.kth_best_model_path,
      kth_value: scores.kth_value,
      last_model_path: this.lastModelPath,
    };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    const fromCkpt = state.dirpath === undefined ? this.dirpath : (state.dirpath as string | null);
    if (this.dirpath === fromCkpt) {
      this.#scores.load(state);
      if (typeof state.last_model_path === "string") this.lastModelPath = state.last_model_path;
    } else {
      emitWarning(
        `The dirpath has changed from ${pyRepr(fromCkpt)} to ${pyRepr(this.dirpath)}, therefore ` +
          "`best_model_score`, `kth_best_model_path`, `kth_value`, `last_model_path` and `best_k_models` won't " +
          "be reloaded. Only `best_model_path` will be reloaded.",
      );
    }
    this.bestModelPath = String(state.best_model_path ?? "");
  }

  /** The checkpoint path for `metrics` (Lightning's format_checkpoint_name), `-v{ver}` before the extension. */
  formatCheckpointName(
    metrics: NameMetrics,
    filename?: string | null,
    ver?: number,
    prefix?: string,
  ): string {
    let name = formatCheckpointFilename(
      filename || this.filename,
      metrics,
      this.autoInsertMetricName,
      prefix,
    );
    if (ver !== undefined) name = [name, `v${ver}`].join(this.CHECKPOINT_JOIN_CHAR);
    const file = `${name}${this.FILE_EXTENSION}`;
    return this.dirpath ? pyJoin(this.dirpath, file) : file;
  }

  /** trainer.callbackMetrics as file-name values, with `epoch` and `step` as ints. */
  monitorCandidates(trainer: CheckpointTrainerView): NameMetrics {
    const out: NameMetrics = new Map();
    for (const [k, v] of metricEntries(trainer.callbackMetrics)) out.set(k, { value: v, isInt: false });
    const epoch = out.get("epoch");
    out.set("epoch", { value: epoch ? Math.trunc(epoch.value) : trainer.currentEpoch, isInt: true });
    const step = out.get("step");
    out.set("step", { value: step ? Math.trunc(step.value) : trainer.globalStep, isInt: true });
    return out;
  }

  #warnIfDirNotEmpty(dirpath: string): void {
    if (this.saveTopK !== 0 && dirNotEmpty(dirpath))
      emitWarning(`Checkpoint directory ${dirpath} exists and is not empty.`);
  }

  #shouldSkipSaving(trainer: CheckpointTrainerView): boolean {
    return skipSaving(trainer, this.#lastGlobalStepSaved);
  }

  #shouldSaveOnTrainEpochEnd(trainer: CheckpointTrainerView): boolean {
    return saveOnTrainEpochEnd(this.#saveOnTrainEpochEnd, trainer);
  }

  async #saveTopK(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    if (this.saveTopK === 0) return;
    if (this.monitor === null) return this.#saveNoneMonitor(trainer, candidates);
    if (!candidates.has(this.monitor)) {
      const m =
        `\`ModelCheckpoint(monitor=${pyRepr(this.monitor)})\` could not find the monitored key in the returned ` +
        `metrics: ${pyRepr([...candidates.keys()])}. HINT: Did you call \`log(${pyRepr(this.monitor)}, value)\` ` +
        "in the `LightningModule`?";
      if (this.#validationHasRun) throw new MisconfigurationError(m);
      emitWarning(m, true);
    }
    const current = candidates.get(this.monitor)?.value;
    if (this.#scores.accepts(current, this.saveTopK)) {
      await this.#updateBestAndSave(current!, trainer, candidates);
    } else if (this.verbose) {
      const epoch = candidates.get("epoch")!.value;
      const step = candidates.get("step")!.value;
      emitInfo(
        `Epoch ${epoch}, global step ${step}: ${pyRepr(this.monitor)} was not in top ${this.saveTopK}`,
      );
    }
  }

  async #saveNoneMonitor(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    const filepath = this.#versionedPath(candidates, this.bestModelPath);
    const previous = this.bestModelPath;
    this.bestModelPath = filepath;
    await this.#saveCheckpoint(trainer, filepath);
    if (this.saveTopK === 1 && previous && this.#shouldRemove(trainer, previous, filepath))
      removeFile(previous);
  }

  async #updateBestAndSave(
    current: number,
    trainer: CheckpointTrainerView,
    candidates: NameMetrics,
  ): Promise<void> {
    const { k, delFilepath } = this.#scores.makeRoom(this.saveTopK);
    const filepath = this.#versionedPath(candidates, delFilepath);
    const score = this.#scores.record(filepath, current, k);
    if (this.verbose) {
      const epoch = candidates.get("epoch")!.value;
      const step = candidates.get("step")!.value;
      emitInfo(
        `Epoch ${epoch}, global step ${step}: ${pyRepr(this.monitor)} reached ${fmt5(score)} ` +
          `(best ${fmt5(this.bestModelScore)}), saving model to ${pyRepr(filepath)} as top ${k}`,
      );
    }
    await this.#saveCheckpoint(trainer, filepath);
    if (delFilepath && this.#shouldRemove(trainer, delFilepath, filepath)) removeFile(delFilepath);
  }

  async #saveLast(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    if (!this.saveLast) return;
    let filepath = this.formatCheckpointName(candidates, this.CHECKPOINT_NAME_LAST);
    if (this.#enableVersionCounter) {
      let ver = this.STARTING_VERSION;
      while (fileExists(filepath) && filepath !== this.lastModelPath) {
        filepath = this.formatCheckpointName(candidates, this.CHECKPOINT_NAME_LAST, ver++);
      }
    }
    const previous = this.lastModelPath;
    this.lastModelPath = filepath;
    if (this.saveLast === "link" && this.#lastCheckpointSaved && this.saveTopK !== 0) {
      linkCheckpoint(this.#lastCheckpointSaved, filepath);
    } else {
      await this.#saveCheckpoint(trainer, filepath);
    }
    if (previous && this.#shouldRemove(trainer, previous, filepath)) removeFile(previous);
  }

  #versionedPath(candidates: NameMetrics, delFilepath: string | null): string {
    let filepath = this.formatCheckpointName(candidates);
    if (this.#enableVersionCounter) {
      let ver = this.STARTING_VERSION;
      while (fileExists(filepath) && filepath !== delFilepath) {
        filepath = this.formatCheckpointName(candidates, undefined, ver++);
      }
    }
    return filepath;
  }

  async #saveCheckpoint(trainer: CheckpointTrainerView, filepath: string): Promise<void> {
    await trainer.saveCheckpoint(filepath, this.saveWeightsOnly);
    this.#lastGlobalStepSaved = trainer.globalStep;
    this.#lastCheckpointSaved = filepath;
    if (trainer.isGlobalZero !== false) {
      for (const logger of trainer.loggers) await logger.afterSaveCheckpoint?.(this);
    }
  }

  #shouldRemove(trainer: CheckpointTrainerView, previous: string, current: string): boolean {
    if (previous === current) return false;
    if (trainer.ckptPath && absoluteDir(trainer.ckptPath) === absoluteDir(previous)) return false;
    return this.dirpath !== null && isInside(previous, this.dirpath);
  }
}

function fmt5(x: number | null): string {
  return x === null ? "None" : pyFormatNumber({ value: x, isInt: false }, "0.5f");
}
