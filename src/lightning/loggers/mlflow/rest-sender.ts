/**
 * Sends a run's data to a tracking server in the background, so logging never waits for the network:
 * metrics are buffered and flushed on a timer or when a batch is full; everything goes out in logging order.
 * When the server is unreachable the unsent operations are kept in memory and in a spool file (JSON lines,
 * its header says which server and run they are for, so `kiln runs --replay` can send them later), retried
 * with backoff until the server is back, and once more at finalize; what still could not be sent is reported.
 * Requests the server rejects (4xx) are not retried: they are reported as rejected.
 *
 * Finalizing never waits long for a server that does not answer: at most `finalize_timeout_ms` without a
 * request going through, over the sender's whole life (a run finalized by fit, then test, then the task
 * wrapper waits once), and at most QUICK_TRY_MS when the server never answered during the run. A request
 * still out at the deadline is cancelled. A server that answers is waited for as long as the queue lasts.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
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
  /** How long a checkpoint save waits for the run id of a run still being created (default 5000 ms). */
  startWaitMs?: number;
}

/** The spool's folder and the fields its header line carries besides the run id. */
export interface SpoolPlace {
  dir: string;
  header?: Record<string, unknown>;
}

/** The longest finalize waits when the server never answered during the run: one quick try. */
export const QUICK_TRY_MS = 2000;

/** The prefix of spool file names (`kiln-mlflow-spool-<run id>.jsonl`). */
export const SPOOL_PREFIX = "kiln-mlflow-spool-";

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
  private readonly spoolHeader: Record<string, unknown>;
  private spoolPath: string | undefined;
  /** Whether the server answered any request of this sender (an outage mid-run is worth waiting for). */
  private reached = false;
  /** Milliseconds finalize has waited so far: the deadline is a budget for the sender's life. */
  private drainSpentMs = 0;
  /** When the last operation went through (0: never). */
  private lastProgressAt = 0;
  private readonly spoolDir: string;

  constructor(
    private readonly store: RestStore,
    /** Creates (or resumes) the run on first need; retried like any other request. */
    private readonly startRun: () => Promise<RunInfo>,
    /** Where the spool goes, and what its header records (the server, the run's spec) for a later replay. */
    spool: SpoolPlace,
    private readonly warn: (message: string) => void,
    timing: SenderTiming = {},
  ) {
    this.spoolDir = resolve(spool.dir);
    this.spoolHeader = spool.header ?? {};
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
        if (this.run === undefined) {
          this.run = await this.startRun();
          this.lastProgressAt = Date.now();
        }
        this.reached = true;
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
      this.lastProgressAt = Date.now();
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
    const first = !this.offline;
    if (first) this.offlineSince = Date.now();
    else this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryIntervalMs);
    this.writeSpool();
    if (first) {
      this.warn(
        `MLflow server unreachable (${err.message}); training goes on, logged data is kept in the spool ` +
          `${this.spoolPath} and sent when the server answers.`,
      );
    }
    this.schedule(this.retryDelay);
  }

  /** Writes every unsent operation to the spool file (replaced atomically). */
  writeSpool(): void {
    this.moveMetricsToOps();
    const id = this.run?.runId ?? `unstarted-${process.pid}-${Date.now()}`;
    this.spoolPath ??= join(this.spoolDir, `${SPOOL_PREFIX}${id}.jsonl`);
    const header = {
      kiln_mlflow_spool: 1,
      ...this.spoolHeader,
      run_id: this.run?.runId ?? this.spoolHeader.run_id ?? null,
      written_at: Date.now(),
    };
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

  /**
   * Sends everything, retrying an unreachable server while the finalize budget lasts (`deadlineMs` over the
   * sender's life; one quick try if the server never answered); then cancels what is still out and reports.
   */
  async drain(deadlineMs: number): Promise<SyncReport> {
    const started = Date.now();
    const spent = this.drainSpentMs;
    // Re-read at every check: a server that answers during the drain earns the full budget, and the budget
    // counts from the last request that went through (a healthy server sending a long queue is waited for).
    const until = () =>
      Math.max(started, this.lastProgressAt) +
      Math.max(0, (this.reached ? deadlineMs : Math.min(QUICK_TRY_MS, deadlineMs)) - spent);
    const pending = () => this.ops.length > 0 || this.metricBuffer.length > 0;
    this.stopTimer();
    await this.waitFor(this.kick(), until);
    let delay = this.retryIntervalMs;
    while (pending() && Date.now() + delay <= until()) {
      this.stopTimer();
      await sleep(delay);
      delay = Math.min(delay * 2, this.maxRetryIntervalMs);
      await this.waitFor(this.kick(), until);
    }
    if (this.inflight !== undefined) {
      // Past the deadline with a request still out (a server that accepts and never answers): cancel it, so
      // neither finalize nor the process's exit waits for its timeout. The op stays queued and spooled.
      this.store.client.abortAll();
      await this.inflight.catch(() => {});
    }
    this.stopTimer();
    this.drainSpentMs += Date.now() - started;
    return this.report();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Waits for `work`, or until the time `until()` has come (whichever is first). */
  private async waitFor(work: Promise<void>, until: () => number): Promise<void> {
    let done = false;
    const settled = work.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    while (!done) {
      const left = until() - Date.now();
      if (left <= 0) return;
      await Promise.race([settled, sleep(Math.min(left, 100))]);
    }
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
