/**
 * The two places an MLFlowLogger can write a run: a local file store (synchronous, metrics buffered and
 * appended in batches) and a tracking server (asynchronous, through the background RestSender).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { KeyValue, Metric, RunStatusName } from "./entities.js";
import { FileStore } from "./file-store.js";
import { RestClient, type RestClientOptions } from "./rest-client.js";
import {
  RestSender,
  readSpool,
  type RestSender as Sender,
  type SenderTiming,
  SPOOL_PREFIX,
  type SyncReport,
} from "./rest-sender.js";
import { type Batch, RestStore } from "./rest-store.js";
import type { RunInfo } from "./store-reader.js";

/** What the logger needs to create or resume its run. */
export interface RunSpec {
  experimentName: string;
  artifactLocation?: string | null;
  runName?: string | null;
  /** Tags of a new run, mlflow.* context tags included. */
  tags: KeyValue[];
  userId: string;
  /** Resume this run instead of creating one. */
  runId?: string | null;
  /** When the run started (ms); a run created later from a spool keeps it. Default: when it is created. */
  startTime?: number;
}

/** Options of a RestBackend. */
export interface RestBackendOptions {
  http?: RestClientOptions;
  timing?: SenderTiming;
  finalizeTimeoutMs: number;
  /** A spool to send first, as it is: the run is not set RUNNING again (`kiln runs --replay`). */
  replay?: string;
}

/** How long saving a checkpoint waits for the run id of a server run that is still being created. */
export const START_WAIT_MS = 5000;

/** A run being written, wherever it lives. */
export interface RunBackend {
  readonly kind: "file" | "rest";
  /** The run (undefined for a server run not created yet). */
  readonly run: RunInfo | undefined;
  /** Params already stored for a resumed run (so a changed value is caught before it is sent). */
  readonly existingParams: Record<string, string>;
  logMetrics(metrics: Metric[]): void;
  logParams(params: KeyValue[]): void;
  setTag(tag: KeyValue): void;
  logArtifact(localPath: string, artifactPath?: string): void;
  /** Writes buffered metrics when a flush is due (cheap otherwise). */
  save(force?: boolean): void;
  /** Writes everything, marks the run with `status`, and reports what could not be delivered. */
  finish(status: RunStatusName): Promise<SyncReport>;
  /** Resolves once the run exists (immediately for a file store). */
  started(): Promise<RunInfo | undefined>;
}

const DONE: Omit<SyncReport, "requestsSent"> = {
  ok: true,
  unsent: { metrics: 0, params: 0, tags: 0, artifacts: 0, updates: 0 },
  rejected: [],
};

/** A run in a local MLflow file store; metrics are appended when due (interval or count) and at the end. */
export class FileBackend implements RunBackend {
  readonly kind = "file";
  readonly store: FileStore;
  run: RunInfo;
  readonly existingParams: Record<string, string> = {};
  private buffer: Metric[] = [];
  private lastFlush = Date.now();

  constructor(
    root: string,
    spec: RunSpec,
    private readonly timing: { flushIntervalMs: number; batchSize: number },
  ) {
    this.store = new FileStore(root);
    if (spec.runId) {
      this.run = this.store.updateRun(this.store.getRun(spec.runId), "RUNNING", null);
      Object.assign(this.existingParams, this.store.getParams(this.run));
      return;
    }
    const experimentId =
      this.store.getExperimentByName(spec.experimentName)?.experimentId ??
      this.store.createExperiment(spec.experimentName, spec.artifactLocation);
    this.run = this.store.createRun({
      experimentId,
      runName: spec.runName,
      userId: spec.userId,
      tags: spec.tags,
    });
  }

  logMetrics(metrics: Metric[]): void {
    this.buffer.push(...metrics);
    this.save();
  }
  logParams(params: KeyValue[]): void {
    this.store.logParams(this.run, params);
  }
  setTag(tag: KeyValue): void {
    this.store.setTag(this.run, tag);
  }
  logArtifact(localPath: string, artifactPath?: string): void {
    this.store.logArtifact(this.run, localPath, artifactPath);
  }
  save(force = false): void {
    const due =
      this.buffer.length >= this.timing.batchSize ||
      Date.now() - this.lastFlush >= this.timing.flushIntervalMs;
    if (this.buffer.length === 0 || !(force || due)) return;
    const points = this.buffer;
    this.buffer = [];
    this.lastFlush = Date.now();
    this.store.logMetrics(this.run, points);
  }
  async finish(status: RunStatusName): Promise<SyncReport> {
    this.save(true);
    this.run = this.store.updateRun(this.run, status, Date.now());
    return { ...DONE, requestsSent: 0 };
  }
  async started(): Promise<RunInfo> {
    return this.run;
  }
}

/**
 * The server store of a resumed run: params the run already holds are not sent again (MLflow params are
 * write-once, and a batch with one changed value would be rejected whole, losing the new params with it).
 */
class ResumedRunStore extends RestStore {
  constructor(
    client: RestClient,
    private readonly stored: Record<string, string>,
    private readonly warn: (message: string) => void,
  ) {
    super(client);
  }

  override async logBatch(runId: string, batch: Batch): Promise<void> {
    const changed = batch.params.filter((p) => p.key in this.stored && this.stored[p.key] !== p.value);
    if (changed.length > 0) {
      this.warn(
        `resumed run ${runId} keeps the values its params were first logged with; not updated: ` +
          changed.map((p) => p.key).join(", "),
      );
    }
    const params = batch.params.filter((p) => !(p.key in this.stored));
    if (params.length === batch.params.length) return super.logBatch(runId, batch);
    if (params.length + batch.metrics.length + batch.tags.length === 0) return;
    return super.logBatch(runId, { ...batch, params });
  }
}

/** A run on a tracking server, written in the background with a spool for outages. */
export class RestBackend implements RunBackend {
  readonly kind = "rest";
  readonly existingParams: Record<string, string> = {};
  private readonly sender: Sender;
  private readonly restStore: RestStore;
  private startPromise: Promise<RunInfo> | undefined;
  private info: RunInfo | undefined;

  constructor(
    baseUrl: string,
    private readonly spec: RunSpec,
    spoolDir: string,
    warn: (message: string) => void,
    private readonly options: RestBackendOptions,
  ) {
    this.restStore = spec.runId
      ? new ResumedRunStore(new RestClient(baseUrl, options.http), this.existingParams, warn)
      : new RestStore(new RestClient(baseUrl, options.http));
    // The spool's header names the server and the run's spec, so a later replay can create or find the run.
    const header = { tracking_uri: baseUrl, spec: { ...spec, startTime: spec.startTime ?? Date.now() } };
    this.sender = new RestSender(
      this.restStore,
      () => this.start(),
      { dir: spoolDir, header },
      warn,
      options.timing,
    );
    // A spool to replay, or one left by an earlier process for the run being resumed, goes out first.
    const spool =
      options.replay ?? (spec.runId ? join(spoolDir, `${SPOOL_PREFIX}${spec.runId}.jsonl`) : undefined);
    if (spool && existsSync(spool)) this.sender.prepend(readSpool(spool).ops, spool);
  }

  private start(): Promise<RunInfo> {
    this.startPromise ??= this.createOrResume().then(
      (info) => {
        this.info = info;
        return info;
      },
      (err) => {
        this.startPromise = undefined; // retried on the next send pass
        throw err;
      },
    );
    return this.startPromise;
  }

  private async createOrResume(): Promise<RunInfo> {
    const store = this.restStore;
    if (this.spec.runId) {
      const { info, params } = await store.getRun(this.spec.runId);
      Object.assign(this.existingParams, params);
      if (this.options.replay !== undefined) return info; // the spool carries the run's final status
      await store.updateRun(info.runId, "RUNNING", null);
      return { ...info, status: "RUNNING", endTime: null };
    }
    const experimentId = await store.getOrCreateExperiment(
      this.spec.experimentName,
      this.spec.artifactLocation,
    );
    return store.createRun({
      experimentId,
      runName: this.spec.runName,
      startTime: this.spec.startTime ?? Date.now(),
      userId: this.spec.userId,
      // mlflow.runName goes in the tags too (as Lightning sends it); the server checks it equals run_name.
      tags: this.spec.tags,
    });
  }

  get run(): RunInfo | undefined {
    return this.info;
  }
  logMetrics(metrics: Metric[]): void {
    this.sender.addMetrics(metrics);
  }
  logParams(params: KeyValue[]): void {
    this.sender.add({ kind: "batch", batch: { metrics: [], params, tags: [] } });
  }
  setTag(tag: KeyValue): void {
    this.sender.add({ kind: "tag", tag });
  }
  logArtifact(localPath: string, artifactPath?: string): void {
    // Absolute, so that a spool replayed from another folder still finds the file.
    this.sender.add({ kind: "artifact", localPath: resolve(localPath), artifactPath: artifactPath ?? "" });
  }
  save(force = false): void {
    if (force) void this.sender.kick();
  }
  async finish(status: RunStatusName): Promise<SyncReport> {
    this.sender.add({ kind: "update", status, endTime: Date.now() });
    return this.sender.drain(this.options.finalizeTimeoutMs);
  }
  /** Sends what is queued (a replayed spool) within `deadlineMs`, and reports. */
  flush(deadlineMs: number): Promise<SyncReport> {
    return this.sender.drain(deadlineMs);
  }
  /**
   * The run once it exists. Never a long wait (a checkpoint save asks for the run id): at once while the
   * server is known to be unreachable, else at most START_WAIT_MS; then undefined, and the sender goes on.
   */
  async started(): Promise<RunInfo | undefined> {
    if (this.info !== undefined || this.sender.offline) return this.info;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), this.options.timing?.startWaitMs ?? START_WAIT_MS);
    });
    try {
      return await Promise.race([this.start(), timeout]);
    } catch {
      return undefined; // unreachable for now: the sender keeps retrying
    } finally {
      clearTimeout(timer);
    }
  }
  /** True while the server is unreachable. */
  get offline(): boolean {
    return this.sender.offline;
  }
}
