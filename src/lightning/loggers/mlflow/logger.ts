/**
 * MLFlowLogger: Lightning's MLFlowLogger over a local MLflow file store or a tracking server. Same options
 * (snake_case), same defaults, same param flattening and cutting, same metric prefixing and key cleaning,
 * plus resume by run_id, artifacts, checkpoint upload (log_model) and a delivery report at finalize.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { FileSystemError } from "../../../common/files.js";
import { optionPlace } from "../../../common/origins.js";
import { pyStrOf } from "../../../common/pyrepr.js";
import { pyStr } from "../../../common/pyvalue.js";
import { type CheckpointCallbackView, type FinalizeStatus, type Hyperparameters, Logger } from "../logger.js";
import { convertParams, flattenDict } from "../params.js";
import { FileBackend, RestBackend, type RunBackend } from "./backends.js";
import { checkpointArtifactPath, scanCheckpoints, writeCheckpointMetadata } from "./checkpoints.js";
import { defaultRunTags, TAG } from "./context-tags.js";
import {
  type KeyValue,
  LIGHTNING_PARAM_VALUE_LENGTH,
  type Metric,
  MlflowError,
  type RunStatusName,
  validateKey,
} from "./entities.js";
import type { RestClientOptions } from "./rest-client.js";
import type { SenderTiming, SyncReport } from "./rest-sender.js";
import { resolveTrackingTarget, type TrackingTarget } from "./tracking-uri.js";

/** MLFlowLogger's options: Lightning's names and defaults, then Kiln's tuning knobs. */
export interface MLFlowLoggerOptions {
  experiment_name?: string;
  run_name?: string | null;
  /** A path, `file:` URI or http(s) server; default $MLFLOW_TRACKING_URI, else `file:<save_dir>`. */
  tracking_uri?: string | null;
  tags?: Record<string, unknown> | null;
  save_dir?: string | null;
  /** true: upload the best checkpoints at the end; "all": every checkpoint when saved. */
  log_model?: boolean | "all";
  prefix?: string;
  artifact_location?: string | null;
  /** Continue this run (status goes back to RUNNING) instead of starting a new one. */
  run_id?: string | null;
  checkpoint_path_prefix?: string;
  /** true: write every logMetrics call at once instead of buffering. */
  synchronous?: boolean | null;
  /** Flush buffered metrics at least this often (default 2000 ms). */
  flush_interval_ms?: number;
  /**
   * How long finalize may wait for an unreachable server, in all (default 30 s; fit, test and the task
   * wrapper each finalize, and share it). A server that never answered during the run gets one quick try.
   */
  finalize_timeout_ms?: number;
  /**
   * Kiln: the folder where data for an unreachable tracking server waits (a spool file per run, sent later by
   * the sender, a resumed run, or `kiln runs --replay`). Default: save_dir, else ./mlruns.
   */
  spool_dir?: string | null;
  /** HTTP timeouts and retries. */
  http?: RestClientOptions;
  /** Background-sender timing (retry intervals, batch size). */
  sender?: SenderTiming;
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
}

const STATUS: Record<string, RunStatusName> = {
  success: "FINISHED",
  finished: "FINISHED",
  failed: "FAILED",
  interrupted: "KILLED",
  killed: "KILLED",
};

/** Logs to MLflow, as lightning.pytorch.loggers.MLFlowLogger. */
export class MLFlowLogger extends Logger {
  static readonly LOGGER_JOIN_CHAR = "-";
  readonly target: TrackingTarget;
  private readonly options: MLFlowLoggerOptions;
  private readonly tags: Record<string, string>;
  private backend: RunBackend | undefined;
  private readonly loggedParams = new Map<string, string>();
  private readonly loggedModelTime = new Map<string, number>();
  private checkpointCallback: CheckpointCallbackView | undefined;
  /** Temporary checkpoint-metadata folders waiting for their upload. */
  private readonly uploadDirs: string[] = [];
  private readonly warn: (message: string) => void;
  /** The report of the last finalize (undefined before). */
  lastReport: SyncReport | undefined;
  /** The run a resumed checkpoint names (set by the Trainer through resumeRun before the run starts). */
  private resumeRunId: string | undefined;

  constructor(options: MLFlowLoggerOptions = {}) {
    super();
    this.options = options;
    this.target = resolveTrackingTarget(options.tracking_uri, options.save_dir ?? "./mlruns");
    this.warn = options.warn ?? ((m) => console.warn(`MLFlowLogger: ${m}`));
    this.tags = Object.fromEntries(Object.entries(options.tags ?? {}).map(([k, v]) => [k, pyStrOf(v)]));
    if (options.run_name) {
      if (TAG.runName in this.tags) {
        this.warn(
          `The tag ${TAG.runName} is found in tags. The value will be overridden by ${options.run_name}.`,
        );
      }
      this.tags[TAG.runName] = options.run_name;
    }
    const logModel = options.log_model ?? false;
    if (logModel !== true && logModel !== false && logModel !== "all") {
      throw new TypeError(
        `MLFlowLogger: log_model must be true, false or "all", got ${JSON.stringify(logModel)}`,
      );
    }
  }

  /** The run backend; creates the experiment and run on first use (Lightning's lazy `experiment`). */
  get experiment(): RunBackend {
    if (this.backend) return this.backend;
    const o = this.options;
    const tags: KeyValue[] = Object.entries({ ...defaultRunTags(), ...this.tags }).map(([key, value]) => ({
      key,
      value,
    }));
    const spec = {
      experimentName: o.experiment_name ?? "lightning_logs",
      artifactLocation: o.artifact_location,
      runName: o.run_name,
      tags,
      userId: this.tags[TAG.user] ?? tags.find((t) => t.key === TAG.user)?.value ?? "unknown",
      runId: o.run_id || this.resumeRunId,
    };
    const flushIntervalMs = o.synchronous ? 0 : (o.flush_interval_ms ?? 2000);
    const timing = { flushIntervalMs, batchSize: o.synchronous ? 1 : (o.sender?.batchSize ?? 1000) };
    if (this.target.kind === "file") {
      try {
        this.backend = new FileBackend(this.target.root, spec, timing);
      } catch (err) {
        // The store's folder cannot be made (a file in the way, read-only): name the setting that chose it.
        throw err instanceof FileSystemError ? err.withPlace(optionPlace(this, "tracking_uri")) : err;
      }
    } else {
      const spoolDir = o.spool_dir ?? o.save_dir ?? "./mlruns";
      this.backend = new RestBackend(this.target.baseUrl, spec, spoolDir, this.warn, {
        // One retry per request: the background sender retries an unreachable server on its own schedule.
        http: { maxRetries: 1, ...o.http },
        timing: { ...o.sender, ...timing },
        finalizeTimeoutMs: o.finalize_timeout_ms ?? 30_000,
      });
    }
    for (const [k, v] of Object.entries(this.backend.existingParams)) this.loggedParams.set(k, v);
    return this.backend;
  }

  /** Lightning's `name`: the experiment id. */
  get name(): string | undefined {
    return this.experimentId;
  }
  /** Lightning's `version`: the run id. */
  get version(): string | undefined {
    return this.runId;
  }
  /** The experiment id (undefined for a server run not created yet: await whenStarted()). */
  get experimentId(): string | undefined {
    return this.experiment.run?.experimentId;
  }
  override get runId(): string | undefined {
    return this.experiment.run?.runId;
  }
  /** The file store's folder; undefined for a tracking server (as Lightning's save_dir). */
  override get saveDir(): string | undefined {
    return this.target.kind === "file" ? this.target.root : undefined;
  }
  override get rootDir(): string | undefined {
    const id = this.experimentId;
    return this.saveDir !== undefined && id ? join(this.saveDir, id) : undefined;
  }
  override get logDir(): string | undefined {
    const root = this.rootDir;
    const run = this.runId;
    return root && run ? join(root, run) : undefined;
  }

  /** Whether the run was created or resumed already (after this, resumeRun can no longer change it). */
  get runStarted(): boolean {
    return this.backend !== undefined;
  }

  /** Whether this logger continues an existing run (`run_id`, or a checkpoint's run id). */
  get resuming(): boolean {
    return Boolean(this.options.run_id || this.resumeRunId);
  }

  /**
   * Continues `runId` (a resumed checkpoint's run) instead of starting a new run. Must come before the
   * first logging call; an explicit `run_id` option wins over the checkpoint's.
   */
  resumeRun(runId: string): void {
    const current = this.backend ? this.runId : (this.options.run_id ?? undefined);
    if (current === runId) return;
    if (this.backend) {
      this.warn(
        `the checkpoint belongs to MLflow run ${runId}, but this logger already writes run ${current}; ` +
          "the checkpoint's run is not continued (resume before logging anything).",
      );
      return;
    }
    if (this.options.run_id) {
      this.warn(`run_id=${this.options.run_id} is set; the checkpoint's run ${runId} is not continued.`);
      return;
    }
    this.resumeRunId = runId;
  }

  /** Resolves with the run id once the run exists (right away for a file store). */
  async whenStarted(): Promise<string | undefined> {
    return (await this.experiment.started())?.runId;
  }

  /** Flattens with `/`, Python-str()s each value and cuts it to 250 characters, as Lightning does. */
  logHyperparams(params: Hyperparameters | null | undefined): void {
    const flat = flattenDict(convertParams(params));
    const fresh: KeyValue[] = [];
    const kept: string[] = [];
    void this.experiment; // a resumed run's stored params are known once it is opened
    for (const [key, raw] of Object.entries(flat)) {
      const value = pyStrOf(raw).slice(0, LIGHTNING_PARAM_VALUE_LENGTH);
      validateKey(key, "param");
      const old = this.loggedParams.get(key) ?? this.backend?.existingParams[key];
      if (old === value) continue;
      if (old !== undefined && this.resuming) {
        // A resumed run keeps the values it started with (MLflow params are write-once): ckpt_path, output
        // folders and max_epochs naturally differ when training continues.
        kept.push(key);
        continue;
      }
      if (old !== undefined) {
        throw new MlflowError(
          "INVALID_PARAMETER_VALUE",
          `Changing param values is not allowed: param '${key}' was logged as '${old}', now '${value}' ` +
            `(run ${this.runId ?? "not started"}). Start a new run, or log the new value under another key.`,
        );
      }
      fresh.push({ key, value });
    }
    if (kept.length > 0) {
      this.warn(
        `resumed run ${this.runId ?? "(not started)"} keeps the values its params were first logged with; ` +
          `${kept.length} changed param(s) not updated: ${kept.slice(0, 8).join(", ")}${kept.length > 8 ? ", ..." : ""}`,
      );
    }
    if (fresh.length === 0) return;
    this.experiment.logParams(fresh);
    for (const p of fresh) this.loggedParams.set(p.key, p.value);
  }

  /** Records metrics at `step` (default 0): prefix joined with `-`, keys cleaned like Lightning's. */
  logMetrics(metrics: Record<string, number>, step?: number): void {
    const prefix = this.options.prefix ?? "";
    const timestamp = Date.now();
    const points: Metric[] = [];
    for (const [rawKey, v] of Object.entries(metrics)) {
      let key = prefix ? `${prefix}${MLFlowLogger.LOGGER_JOIN_CHAR}${rawKey}` : rawKey;
      if (typeof v === "string") {
        this.warn(`Discarding metric with string value ${key}=${v}.`);
        continue;
      }
      const clean = key.replace(/[^a-zA-Z0-9_/. -]+/g, "");
      if (clean !== key) {
        this.warn(
          `MLFlow only allows '_', '/', '.' and ' ' special characters in metric name. Replacing ${key} with ${clean}.`,
        );
        key = clean;
      }
      try {
        validateKey(key, "metric");
      } catch (err) {
        // One bad name must not cost the whole batch its delivery: drop it, say so.
        this.warn(`Discarding metric ${key}: ${(err as Error).message}`);
        continue;
      }
      points.push({ key, value: Number(v), timestamp, step: step ?? 0 });
    }
    if (points.length) this.experiment.logMetrics(points);
  }

  /** Sets run tags (values Python-str()-ed); a key MLflow would refuse is skipped with a warning. */
  setTags(tags: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(tags)) {
      try {
        validateKey(key, "tag");
      } catch (err) {
        this.warn(`Discarding tag ${JSON.stringify(key)}: ${(err as Error).message}`);
        continue;
      }
      this.experiment.setTag({ key, value: pyStr(value) });
    }
  }

  /** Copies or uploads a file (a folder: its contents) into the run's artifacts under `artifactPath`. */
  override logArtifact(localPath: string, artifactPath?: string): void {
    this.experiment.logArtifact(localPath, artifactPath);
  }

  /** Writes buffered metrics when a flush is due (the Trainer calls this after every logMetrics). */
  override save(): void {
    this.backend?.save();
  }

  /** log_model: "all" uploads each new checkpoint now; true remembers the callback for finalize. */
  override afterSaveCheckpoint(cb: CheckpointCallbackView): void {
    const logModel = this.options.log_model ?? false;
    if (logModel === "all") this.logCheckpoints(cb);
    else if (logModel === true) this.checkpointCallback = cb;
  }

  private logCheckpoints(cb: CheckpointCallbackView): void {
    const prefix = this.options.checkpoint_path_prefix ?? "";
    for (const ckpt of scanCheckpoints(cb, this.loggedModelTime)) {
      const artifactPath = checkpointArtifactPath(prefix, ckpt.path);
      this.experiment.logArtifact(ckpt.path, artifactPath);
      const metadataDir = writeCheckpointMetadata(cb, ckpt);
      this.experiment.logArtifact(metadataDir, artifactPath);
      // A file store has copied it already; a server upload reads it later, from the background sender.
      if (this.experiment.kind === "file") rmSync(metadataDir, { recursive: true, force: true });
      else this.uploadDirs.push(metadataDir);
      this.loggedModelTime.set(ckpt.path, ckpt.mtimeMs);
    }
  }

  /** Ends the run (FINISHED / FAILED / KILLED); the delivery report is in `lastReport` (see endRun). */
  override async finalize(status: FinalizeStatus = "success"): Promise<void> {
    await this.endRun(status);
  }

  /** finalize() that also returns the report of what could not be delivered (undefined: nothing logged). */
  async endRun(status: FinalizeStatus | "finished" = "success"): Promise<SyncReport | undefined> {
    if (!this.backend) return undefined;
    if (this.checkpointCallback) this.logCheckpoints(this.checkpointCallback);
    const runStatus = STATUS[status] ?? (status.toUpperCase() as RunStatusName);
    const report = await this.backend.finish(runStatus);
    this.lastReport = report;
    if (report.unsent.artifacts === 0) {
      for (const dir of this.uploadDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    }
    if (!report.ok) {
      const u = report.unsent;
      this.warn(
        `run ${this.runId ?? "(never created)"} is incomplete on the server: unsent ${u.metrics} metric points, ` +
          `${u.params} params, ${u.tags} tags, ${u.artifacts} artifacts, ${u.updates} status updates; ` +
          `${report.rejected.length} requests rejected` +
          (report.spoolPath
            ? `. The unsent data is kept in ${report.spoolPath}; send it once the server is up with ` +
              `\`kiln runs --replay ${report.spoolPath}\``
            : "") +
          (report.rejected.length ? `. First rejection: ${report.rejected[0].message}` : ""),
      );
    }
    return report;
  }
}
