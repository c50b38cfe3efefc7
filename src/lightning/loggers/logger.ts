/**
 * Lightning's `Logger` base: what the Trainer calls on every experiment logger. Values arrive as plain
 * numbers (the Trainer converts tensors first). Options objects use Lightning's snake_case names.
 */

/**
 * How a run ended, passed to finalize(). Lightning passes "success" or "failed"; Kiln adds "interrupted"
 * (Ctrl-C) and "killed" (the task wrapper's signal) so trackers such as MLflow can record KILLED.
 */
export type FinalizeStatus = "success" | "failed" | "interrupted" | "killed";

/** What a logger may read from a ModelCheckpoint in afterSaveCheckpoint (log_model). */
export interface CheckpointCallbackView {
  readonly bestModelPath: string;
  readonly bestModelScore?: number | null;
  readonly lastModelPath?: string;
  /** Saved top-k checkpoint paths and their scores. */
  readonly bestKModels?: Readonly<Record<string, number>>;
  readonly monitor?: string | null;
  readonly dirpath?: string | null;
}

/** Hyperparameters as save_hyperparameters() gives them (nested plain objects, lists, scalars, PyFloat). */
export type Hyperparameters = Record<string, unknown>;

/** An experiment logger; subclass it like Lightning's `Logger`. */
export abstract class Logger {
  /** Separator of metric groups (Lightning's `group_separator`). */
  readonly groupSeparator: string = "/";

  /** The experiment name (a folder under saveDir for the file loggers). */
  abstract get name(): string | undefined;
  /** The version: an int gives `version_N`, a string is used as the folder name as is. */
  abstract get version(): number | string | undefined;
  /** The backing experiment object (a SummaryWriter, the CSV writer, an MLflow client). */
  abstract get experiment(): unknown;

  /** Where the logger saves its data (undefined for loggers that keep nothing on disk). */
  get saveDir(): string | undefined {
    return undefined;
  }
  /** The folder holding all versions of this experiment. */
  get rootDir(): string | undefined {
    return undefined;
  }
  /** The folder of this version (where checkpoints go when the Trainer has no default_root_dir override). */
  get logDir(): string | undefined {
    return undefined;
  }
  /** A tracker's run id, stored in checkpoints so a resumed fit continues the same run. */
  get runId(): string | undefined {
    return undefined;
  }

  /** Records hyperparameters (and, for TensorBoard, the hp metrics: a number means `{hp_metric: n}`). */
  abstract logHyperparams(
    params: Hyperparameters | null | undefined,
    metrics?: Record<string, number> | number,
  ): void;
  /** Records one set of metrics at `step` (the Trainer adds `epoch`, as Lightning's logger connector does). */
  abstract logMetrics(metrics: Record<string, number>, step?: number): void;

  /** Records the model graph; loggers without graph support ignore it. */
  logGraph(_model: unknown, _inputArray?: unknown): void {}
  /** Writes what is buffered; the Trainer calls it after every logMetrics. */
  save(): void {}
  /** Ends the run: writes everything and closes files or marks the tracked run with its status. */
  finalize(_status: FinalizeStatus): void | Promise<void> {
    this.save();
  }
  /** Called after a checkpoint is saved, for loggers that upload checkpoints (log_model). */
  afterSaveCheckpoint(_checkpointCallback: CheckpointCallbackView): void | Promise<void> {}
  /** Uploads or copies a file into the run's artifacts, for loggers that have them. */
  logArtifact?(localPath: string, artifactPath?: string): void | Promise<void>;
}
