/**
 * Sends a run's data to a tracking server in the background, so logging never waits for the network:
 * metrics are buffered and flushed on a timer or when a batch is full; everything goes out in logging order.
 * When the server is unreachable the unsent operations are kept in memory and in a spool file (JSON lines),
 * retried with backoff until the server is back, and once more at finalize; what still could not be sent is
 * reported. Requests the server rejects (4xx) are not retried: they are reported as rejected.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { writeFileAtomic } from "../../../common/files.js";
import {
  decodeJsonMetricValue,
  type KeyValue,
  type Metric,
  MlflowError,
  type RunStatusName,
} from "./entities.js";
import { type Batch, metricToJson, type RestStore, splitBatches } from "./rest-store.js";
import type { RunInfo } from "./store-reader.js";

/** One unit of work for the server, in logging order. */
export type SendOp =
  | { kind: "batch"; batch: Batch }
  | { kind: "tag"; tag: KeyValue }
  | { kind: "artifact"; localPath: string; artifactPath: string }
  | { kind: "update"; status: RunStatusName; endTime: number | null };

/** What finalize could not deliver, and why. */
export interface SyncReport {
  ok: boolean;
  requestsSent: number;
  unsent: { metrics: number; params: number; tags: number; artifacts: number; updates: number };
  rejected: { errorCode: string; message: string }[];
  /** The spool file that still holds the unsent operations (absent when everything was sent). */
  spoolPath?: string;
}

/** Timing of the background sender; tests inject small values. */
export interface SenderTiming {
  /** Flush buffered metrics at least this often (default 2000 ms). */
  flushIntervalMs?: number;
  /** Flush as soon as this many metric points are buffered (default 1000). */
  batchSize?: number;
  /** First delay before retrying an unreachable server, doubled up to maxRetryIntervalMs (default 1000). */
  retryIntervalMs?: number;
  maxRetryIntervalMs?: number;
}

function opToJson(op: SendOp): unknown {
  return op.kind === "batch"
    ? { ...op, batch: { ...op.batch, metrics: op.batch.metrics.map(metricToJson) } }
    : op;
}

/** Reads the operations a spool file holds (header line first), e.g. to replay them on resume. */
export function readSpool(path: string): { header: Record<string, unknown>; ops: SendOp[] } {
  const [head, ...lines] = readFileSync(path, "utf8").split("\n").filter(Boolean);
  const ops = lines.map((line) => {
    const op = JSON.parse(line) as SendOp;
    if (op.kind === "batch") {
      op.batch.metrics = op.batch.metrics.map(
        (m) => ({ ...m, value: decodeJsonMetricValue(m.value) }) as Metric,
      );
    }
    return op;
  });
  return { header: JSON.parse(head ?? "{}") as Record<string, unknown>, ops };
}

// Ref'd on purpose: finalize must keep the process alive while it retries.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Background delivery of one run's operations to a RestStore. */
export class RestSender {
  private run: RunInfo | undefined;
  private readonly ops: SendOp[] = [];
  private metricBuffer: Metric[] = [];
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private offlineSince: number | undefined;
  private retryDelay: number;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly retryIntervalMs: number;
  private readonly maxRetryIntervalMs: number;
  private readonly rejected: SyncReport["rejected"] = [];
  private spoolPath: string | undefined;

  constructor(
    private readonly store: RestStore,
    /** Creates (or resumes) the run on first need; retried like any other request. */
    private readonly startRun: () => Promise<RunInfo>,
    private readonly spoolDir: string,
    private readonly warn: (message: string) => void,
    timing: SenderTiming = {},
  ) {
    this.flushIntervalMs = timing.flushIntervalMs ?? 2000;
    this.batchSize = timing.batchSize ?? 1000;
    this.retryIntervalMs = timing.retryIntervalMs ?? 1000;
    this.maxRetryIntervalMs = timing.maxRetryIntervalMs ?? 60_000;
    this.retryDelay = this.retryIntervalMs;
  }

  /** The run once the server created it. */
  get runInfo(): RunInfo | undefined {
    return this.run;
  }
  /** True while the server is unreachable and operations wait in the spool. */
  get offline(): boolean {
    return this.offlineSince !== undefined;
  }

  /** Buffers metric points; they go out with the next flush (timer or full batch). */
  addMetrics(metrics: Metric[]): void {
    this.metricBuffer.push(...metrics);
    if (this.metricBuffer.length >= this.batchSize && !this.offline) this.kick();
    else this.schedule(this.offline ? this.retryDelay : this.flushIntervalMs);
  }

  /** Queues an operation after the metrics buffered so far, and starts sending. */
  add(op: SendOp): void {
    this.moveMetricsToOps();
    if (op.kind === "batch")
      for (const batch of splitBatches(op.batch)) this.ops.push({ kind: "batch", batch });
    else this.ops.push(op);
    if (!this.offline) this.kick();
  }

  /** Puts replayed operations (from a spool file, removed once they are sent) before everything else. */
  prepend(ops: SendOp[], spoolPath: string): void {
    this.ops.unshift(...ops);
    this.spoolPath = spoolPath;
  }

  private moveMetricsToOps(): void {
    if (this.metricBuffer.length === 0) return;
    const batches = splitBatches({ metrics: this.metricBuffer, params: [], tags: [] });
    this.metricBuffer = [];
    for (const batch of batches) this.ops.push({ kind: "batch", batch });
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delayMs);
    this.timer.unref();
  }

  /** Starts a send pass unless one is running; resolves when that pass ends. */
  kick(): Promise<void> {
    this.inflight ??= this.pump().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async pump(): Promise<void> {
    this.moveMetricsToOps();
    while (this.ops.length > 0) {
      const op = this.ops[0];
      try {
        this.run ??= await this.startRun();
        await this.send(this.run, op);
      } catch (err) {
        const e = err instanceof MlflowError ? err : new MlflowError("INTERNAL_ERROR", String(err));
        if (e.transient || !this.run) {
          // A run that cannot be created for a non-transient reason (auth, bad name) is reported once.
          if (!e.transient && !this.rejected.some((r) => r.message === e.message)) {
            this.rejected.push({ errorCode: e.errorCode, message: e.message });
          }
          this.goOffline(e);
          return;
        }
        this.rejected.push({ errorCode: e.errorCode, message: e.message });
        this.warn(`MLflow rejected a ${op.kind} request and it will not be retried: ${e.message}`);
      }
      this.ops.shift();
      this.moveMetricsToOps();
    }
    if (this.offline) {
      this.warn(`MLflow server reachable again; sent everything logged while it was away.`);
      this.offlineSince = undefined;
      this.retryDelay = this.retryIntervalMs;
    }
    this.removeSpool();
  }

  private async send(run: RunInfo, op: SendOp): Promise<void> {
    if (op.kind === "batch") return this.store.logBatch(run.runId, op.batch);
    if (op.kind === "tag") return this.store.setTag(run.runId, op.tag.key, op.tag.value);
    if (op.kind === "update") return this.store.updateRun(run.runId, op.status, op.endTime);
    for (const [file, rel] of filesOf(op.localPath)) {
      const target = op.artifactPath ? `${op.artifactPath.replace(/\/+$/, "")}/${rel}` : rel;
      await this.store.uploadArtifact(run.artifactUri, target, readFileSync(file));
    }
  }

  private goOffline(err: MlflowError): void {
    if (!this.offline) {
      this.offlineSince = Date.now();
      this.warn(`MLflow server unreachable (${err.message}); keeping logged data in a spool and retrying.`);
    } else {
      this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryIntervalMs);
    }
    this.writeSpool();
    this.schedule(this.retryDelay);
  }

  /** Writes every unsent operation to the spool file (replaced atomically). */
  writeSpool(): void {
    this.moveMetricsToOps();
    const id = this.run?.runId ?? `unstarted-${process.pid}-${Date.now()}`;
    this.spoolPath ??= join(this.spoolDir, `kiln-mlflow-spool-${id}.jsonl`);
    const header = { kiln_mlflow_spool: 1, run_id: this.run?.runId ?? null, written_at: Date.now() };
    const lines = [header, ...this.ops.map(opToJson)].map((x) => JSON.stringify(x));
    try {
      writeFileAtomic(this.spoolPath, `${lines.join("\n")}\n`);
    } catch (err) {
      this.warn(`could not write the MLflow spool ${this.spoolPath}: ${(err as Error).message}`);
    }
  }

  private removeSpool(): void {
    if (this.spoolPath) rmSync(this.spoolPath, { force: true });
    this.spoolPath = undefined;
  }

  /** Sends everything, retrying an unreachable server until `deadlineMs` has passed; then reports. */
  async drain(deadlineMs: number): Promise<SyncReport> {
    const until = Date.now() + deadlineMs;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.kick();
    let delay = this.retryIntervalMs;
    while ((this.ops.length > 0 || this.metricBuffer.length > 0) && Date.now() + delay <= until) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await sleep(delay);
      delay = Math.min(delay * 2, this.maxRetryIntervalMs);
      await this.kick();
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.report();
  }

  /** What is still unsent and what was rejected so far. */
  report(): SyncReport {
    this.moveMetricsToOps();
    const unsent = { metrics: 0, params: 0, tags: 0, artifacts: 0, updates: 0 };
    for (const op of this.ops) {
      if (op.kind === "batch") {
        unsent.metrics += op.batch.metrics.length;
        unsent.params += op.batch.params.length;
        unsent.tags += op.batch.tags.length;
      } else if (op.kind === "tag") unsent.tags++;
      else if (op.kind === "artifact") unsent.artifacts++;
      else unsent.updates++;
    }
    if (this.ops.length > 0) this.writeSpool();
    const report: SyncReport = {
      ok: this.ops.length === 0 && this.rejected.length === 0,
      requestsSent: this.store.client.requestCount,
      unsent,
      rejected: [...this.rejected],
    };
    if (this.ops.length > 0 && this.spoolPath) report.spoolPath = this.spoolPath;
    return report;
  }
}

/** The files of an artifact (a file, or every file under a folder) with their artifact-relative paths. */
function filesOf(localPath: string): [string, string][] {
  if (!statSync(localPath).isDirectory()) return [[localPath, basename(localPath)]];
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push([p, relative(localPath, p).split(sep).join("/")]);
    }
  };
  walk(localPath);
  return out;
}
