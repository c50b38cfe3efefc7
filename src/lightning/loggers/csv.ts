/**
 * CSVLogger: Lightning's layout and formats. `save_dir/name/version_N/metrics.csv` (CRLF, sorted header,
 * one row per logMetrics call) and `hparams.yaml`.
 */

import { join } from "node:path";
import { FileSystemError, makeDirs } from "../../common/files.js";
import { optionPlace } from "../../common/origins.js";
import { CsvExperimentWriter } from "./csv-writer.js";
import { versionFolder } from "./files.js";
import type { FinalizeStatus, Hyperparameters } from "./logger.js";
import { addPrefix, convertParams } from "./params.js";
import { VersionedDirLogger, type VersionedDirOptions } from "./versioned-dir-logger.js";

/** CSVLogger's options (Lightning's names and defaults). */
export interface CSVLoggerOptions extends VersionedDirOptions {
  /** Prepended to every metric name, joined with `-`. */
  prefix?: string;
  /** Write buffered rows every this many steps (and at save/finalize). Default 100. */
  flush_logs_every_n_steps?: number;
}

/** Logs to a CSV file, as lightning.pytorch.loggers.CSVLogger. */
export class CSVLogger extends VersionedDirLogger {
  static readonly LOGGER_JOIN_CHAR = "-";
  private readonly prefix: string;
  private readonly flushEveryNSteps: number;
  private _experiment: CsvExperimentWriter | undefined;

  constructor(options: CSVLoggerOptions) {
    super("CSVLogger", options);
    this.prefix = options.prefix ?? "";
    this.flushEveryNSteps = options.flush_logs_every_n_steps ?? 100;
    if (!Number.isInteger(this.flushEveryNSteps) || this.flushEveryNSteps < 1) {
      throw new RangeError(
        `CSVLogger: flush_logs_every_n_steps must be a positive int, got ${this.flushEveryNSteps}`,
      );
    }
  }

  override get logDir(): string {
    return join(this.rootDir, versionFolder(this.version));
  }

  /** The CSV writer; created (with its folder) on first use. */
  get experiment(): CsvExperimentWriter {
    if (this._experiment) return this._experiment;
    try {
      makeDirs(this.rootDir);
      this._experiment = new CsvExperimentWriter(this.logDir);
    } catch (err) {
      throw err instanceof FileSystemError ? err.withPlace(optionPlace(this, "save_dir")) : err;
    }
    return this._experiment;
  }

  /** Merges the hyperparameters into hparams.yaml (metrics are not recorded by the CSV logger). */
  logHyperparams(params: Hyperparameters | null | undefined): void {
    this.experiment.logHparams(convertParams(params));
  }

  /** Buffers one row; without a step, the number of buffered rows is used, as in Lightning. */
  logMetrics(metrics: Record<string, number>, step?: number): void {
    const prefixed = addPrefix(metrics, this.prefix, CSVLogger.LOGGER_JOIN_CHAR);
    // JS numbers do not say int or float: the counters the Trainer adds are ints, logged values are floats.
    const intKeys = new Set(Object.keys(addPrefix({ epoch: 0 }, this.prefix, CSVLogger.LOGGER_JOIN_CHAR)));
    const at = step ?? this.experiment.metrics.length;
    this.experiment.logMetrics(prefixed, at, intKeys);
    if ((at + 1) % this.flushEveryNSteps === 0) this.save();
  }

  /** Writes the buffered rows to metrics.csv. */
  override save(): void {
    this.experiment.save();
  }

  /** Writes what is left; nothing to do when nothing was ever logged. */
  override finalize(_status: FinalizeStatus): void {
    if (this._experiment === undefined) return;
    this.save();
  }
}
