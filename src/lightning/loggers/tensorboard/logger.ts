/**
 * TensorBoardLogger: Lightning's layout and records. Event files in `save_dir/name/version_N[/sub_dir]`,
 * scalars per logMetrics key, hparams through the hparams plugin (with `hp_metric = -1` by default), and
 * `hparams.yaml` next to them.
 */

import { join } from "node:path";
import { FileSystemError, makeDirs } from "../../../common/files.js";
import { optionPlace } from "../../../common/origins.js";
import { expandPath, isDir, isFile, versionFolder } from "../files.js";
import { saveHparamsToYaml } from "../hparams-yaml.js";
import type { FinalizeStatus, Hyperparameters } from "../logger.js";
import { addPrefix, convertParams, flattenDict, sanitizeParams } from "../params.js";
import { VersionedDirLogger, type VersionedDirOptions } from "../versioned-dir-logger.js";
import { hparamsSummaries } from "./hparams-plugin.js";
import { SummaryWriter, type SummaryWriterOptions } from "./writer.js";

/** TensorBoardLogger's options (Lightning's names and defaults), plus SummaryWriter's. */
export interface TensorBoardLoggerOptions extends SummaryWriterOptions, VersionedDirOptions {
  /** Accepted for config compatibility; Kiln cannot trace a model graph, so it is ignored with a warning. */
  log_graph?: boolean;
  /** Log `hp_metric = -1` with the hyperparameters so TensorBoard's HPARAMS tab shows them (default true). */
  default_hp_metric?: boolean;
  /** Prepended to every metric name, joined with `-`. */
  prefix?: string;
  /** A folder under the version folder for the event files (e.g. "train"). */
  sub_dir?: string | null;
}

/** Logs to TensorBoard event files, as lightning.pytorch.loggers.TensorBoardLogger. */
export class TensorBoardLogger extends VersionedDirLogger {
  static readonly LOGGER_JOIN_CHAR = "-";
  static readonly NAME_HPARAMS_FILE = "hparams.yaml";
  /** Every hyperparameter logged so far (unflattened), written to hparams.yaml. */
  readonly hparams: Record<string, unknown> = {};
  private readonly subDir: string | undefined;
  private readonly prefix: string;
  private readonly defaultHpMetric: boolean;
  private readonly writerOptions: SummaryWriterOptions;
  private _experiment: SummaryWriter | undefined;

  constructor(options: TensorBoardLoggerOptions) {
    super("TensorBoardLogger", options);
    this.subDir = options.sub_dir ?? undefined;
    this.prefix = options.prefix ?? "";
    this.defaultHpMetric = options.default_hp_metric ?? true;
    this.writerOptions = {
      max_queue: options.max_queue,
      flush_secs: options.flush_secs,
      filename_suffix: options.filename_suffix,
    };
    if (options.log_graph) {
      process.emitWarning(
        "TensorBoardLogger: log_graph=True is not supported by Kiln (no graph tracing); ignored.",
      );
    }
  }

  /** `rootDir/version_N[/sub_dir]`, with `~` and `$VARS` expanded as Lightning does. */
  override get logDir(): string {
    const dir = join(this.rootDir, versionFolder(this.version), this.subDir ?? "");
    return expandPath(dir);
  }

  /** The SummaryWriter; created (with its first event file) on first use. */
  get experiment(): SummaryWriter {
    if (this._experiment) return this._experiment;
    try {
      if (this.rootDir) makeDirs(this.rootDir);
      this._experiment = new SummaryWriter(this.logDir, this.writerOptions);
    } catch (err) {
      throw err instanceof FileSystemError ? err.withPlace(optionPlace(this, "save_dir")) : err;
    }
    return this._experiment;
  }

  /** One scalar event per metric (the Trainer's `epoch` included), at `step`. */
  logMetrics(metrics: Record<string, number>, step?: number): void {
    for (const [k, v] of Object.entries(
      addPrefix(metrics, this.prefix, TensorBoardLogger.LOGGER_JOIN_CHAR),
    )) {
      if (typeof v !== "number") {
        throw new TypeError(
          `TensorBoardLogger: you tried to log ${String(v)} for '${k}'; only numbers are supported.`,
        );
      }
      this.experiment.addScalar(k, v, step);
    }
  }

  /**
   * Records hyperparameters: flattened with `/`, non-primitive values as their Python str(), written with the
   * hp metrics (default `{hp_metric: -1}`) through the hparams plugin; nothing is written without metrics.
   */
  logHyperparams(
    params: Hyperparameters | null | undefined,
    metrics?: Record<string, number> | number,
    step?: number,
  ): void {
    const converted = convertParams(params);
    Object.assign(this.hparams, converted);
    const flat = sanitizeParams(flattenDict(converted));
    let hpMetrics: Record<string, number> | undefined;
    if (metrics === undefined) hpMetrics = this.defaultHpMetric ? { hp_metric: -1 } : undefined;
    else hpMetrics = typeof metrics === "number" ? { hp_metric: metrics } : metrics;
    if (!hpMetrics || Object.keys(hpMetrics).length === 0) return;
    this.logMetrics(hpMetrics, step);
    const { experiment, sessionStart, sessionEnd } = hparamsSummaries(flat, Object.keys(hpMetrics));
    const writer = this.experiment;
    writer.addSummary([experiment], step);
    writer.addSummary([sessionStart], step);
    writer.addSummary([sessionEnd], step);
  }

  /** Flushes the event file and writes hparams.yaml once the version folder exists. */
  override save(): void {
    this.experiment.flush();
    const dir = this.logDir;
    const file = join(dir, TensorBoardLogger.NAME_HPARAMS_FILE);
    if (isDir(dir) && !isFile(file)) saveHparamsToYaml(file, this.hparams);
  }

  /** Closes the event file (a later phase, such as test after fit, opens a new one). */
  override finalize(status: FinalizeStatus): void {
    if (this._experiment) {
      this._experiment.flush();
      this._experiment.close();
    }
    if (status === "success") this.save();
  }
}
