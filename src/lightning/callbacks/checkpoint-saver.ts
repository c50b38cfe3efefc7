/**
 * How ModelCheckpoint saves, apart from when (its hooks, in model-checkpoint.ts): the top-k bookkeeping,
 * `last.ckpt` (a copy or a link), `-vN` names for taken files, removal of the files that drop out, and the
 * state (best_model_path, best_k_models, ...) that a resumed fit restores. Lightning 2.6 semantics.
 */
import { FileSystemError } from "../../common/files.js";
import { optionPlace } from "../../common/origins.js";
import { CheckpointCallback } from "./checkpoint-callback.js";
import { absoluteDir, fileExists, isInside, linkCheckpoint, pyJoin, removeFile } from "./checkpoint-files.js";
import {
  dirpathChangedMessage,
  type EpochStep,
  missingMonitorMessage,
  notInTopKMessage,
  savedInTopKMessage,
} from "./checkpoint-messages.js";
import { formatCheckpointFilename, type NameMetrics } from "./checkpoint-name.js";
import type { ResolvedCheckpointOptions } from "./checkpoint-options.js";
import { TopKScores } from "./checkpoint-topk.js";
import { emitInfo, emitWarning } from "./messages.js";
import { MisconfigurationError } from "./options.js";
import { type CheckpointTrainerView, metricEntries } from "./trainer-view.js";

/** ModelCheckpoint's saving machinery and restorable state; ModelCheckpoint adds the hooks that call it. */
export abstract class CheckpointSaver extends CheckpointCallback {
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
  readonly #enableVersionCounter: boolean;
  #lastGlobalStepSaved = 0;
  #lastCheckpointSaved = "";
  #validationHasRun = false;

  constructor(o: ResolvedCheckpointOptions) {
    super();
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
    this.#enableVersionCounter = o.enableVersionCounter;
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

  /** The global step of the latest save (0 before any): one save per step at most. */
  protected get lastGlobalStepSaved(): number {
    return this.#lastGlobalStepSaved;
  }
  /** The path of the latest save ("" before any): what save_last="link" links to. */
  protected get lastCheckpointSaved(): string {
    return this.#lastCheckpointSaved;
  }

  /** Notes a real validation run: from then on a monitor that was never logged is an error, not a warning. */
  protected noteValidationEnd(trainer: CheckpointTrainerView): void {
    if (!trainer.sanityChecking) this.#validationHasRun = true;
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
      emitWarning(dirpathChangedMessage(fromCkpt, this.dirpath));
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

  /** Saves when the monitored value makes the top k (or every time without a monitor), dropping the k+1-th. */
  protected async saveTopKCheckpoint(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    if (this.saveTopK === 0) return;
    if (this.monitor === null) return this.#saveNoneMonitor(trainer, candidates);
    if (!candidates.has(this.monitor)) {
      const m = missingMonitorMessage(this.monitor, [...candidates.keys()]);
      if (this.#validationHasRun) throw new MisconfigurationError(m);
      emitWarning(m, true);
    }
    const current = candidates.get(this.monitor)?.value;
    if (this.#scores.accepts(current, this.saveTopK)) {
      await this.#updateBestAndSave(current!, trainer, candidates);
    } else if (this.verbose) {
      emitInfo(notInTopKMessage(epochStep(candidates), this.monitor, this.saveTopK));
    }
  }

  async #saveNoneMonitor(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    const filepath = this.#versionedPath(candidates, undefined, this.bestModelPath);
    const previous = this.bestModelPath;
    this.bestModelPath = filepath;
    await this.saveCheckpointFile(trainer, filepath);
    if (this.saveTopK === 1 && previous && this.#shouldRemove(trainer, previous, filepath))
      removeFile(previous);
  }

  async #updateBestAndSave(
    current: number,
    trainer: CheckpointTrainerView,
    candidates: NameMetrics,
  ): Promise<void> {
    const { k, delFilepath } = this.#scores.makeRoom(this.saveTopK);
    const filepath = this.#versionedPath(candidates, undefined, delFilepath);
    const score = this.#scores.record(filepath, current, k);
    if (this.verbose) {
      const at = epochStep(candidates);
      emitInfo(savedInTopKMessage(at, this.monitor, score, this.bestModelScore, filepath, k));
    }
    await this.saveCheckpointFile(trainer, filepath);
    if (delFilepath && this.#shouldRemove(trainer, delFilepath, filepath)) removeFile(delFilepath);
  }

  /** Writes (or with save_last="link", links) last.ckpt when save_last is on, replacing the previous one. */
  protected async saveLastCheckpoint(trainer: CheckpointTrainerView, candidates: NameMetrics): Promise<void> {
    if (!this.saveLast) return;
    const filepath = this.#versionedPath(candidates, this.CHECKPOINT_NAME_LAST, this.lastModelPath);
    const previous = this.lastModelPath;
    this.lastModelPath = filepath;
    if (this.saveLast === "link" && this.#lastCheckpointSaved && this.saveTopK !== 0) {
      linkCheckpoint(this.#lastCheckpointSaved, filepath);
    } else {
      await this.saveCheckpointFile(trainer, filepath);
    }
    if (previous && this.#shouldRemove(trainer, previous, filepath)) removeFile(previous);
  }

  // With the version counter, a name already taken on disk gets `-v1`, `-v2`, ...; `reusable` is the one file
  // that may be overwritten (the checkpoint this save replaces).
  #versionedPath(candidates: NameMetrics, filename: string | undefined, reusable: string | null): string {
    let filepath = this.formatCheckpointName(candidates, filename);
    if (this.#enableVersionCounter) {
      let ver = this.STARTING_VERSION;
      while (fileExists(filepath) && filepath !== reusable) {
        filepath = this.formatCheckpointName(candidates, filename, ver++);
      }
    }
    return filepath;
  }

  /** Has the trainer write a checkpoint to `filepath` and tells the loggers (on global rank 0). */
  protected async saveCheckpointFile(trainer: CheckpointTrainerView, filepath: string): Promise<void> {
    try {
      await trainer.saveCheckpoint(filepath, this.saveWeightsOnly);
    } catch (err) {
      // A full disk or a read-only folder: say which setting put the checkpoint there.
      throw err instanceof FileSystemError ? err.withPlace(optionPlace(this, "dirpath")) : err;
    }
    this.#lastGlobalStepSaved = trainer.globalStep;
    this.#lastCheckpointSaved = filepath;
    if (trainer.isGlobalZero !== false) {
      for (const logger of trainer.loggers) await logger.afterSaveCheckpoint?.(this);
    }
  }

  // Never the file just written, nor the checkpoint this fit resumed from, nor anything outside dirpath.
  #shouldRemove(trainer: CheckpointTrainerView, previous: string, current: string): boolean {
    if (previous === current) return false;
    if (trainer.ckptPath && absoluteDir(trainer.ckptPath) === absoluteDir(previous)) return false;
    return this.dirpath !== null && isInside(previous, this.dirpath);
  }
}

/** The epoch and global step of the file-name metrics, for the verbose lines. */
function epochStep(candidates: NameMetrics): EpochStep {
  return { epoch: candidates.get("epoch")!.value, step: candidates.get("step")!.value };
}
