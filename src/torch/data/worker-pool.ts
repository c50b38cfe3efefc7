// The main thread's side of DataLoader workers (PyTorch's _MultiProcessingDataLoaderIter): num_workers threads,
// tasks handed out round-robin from worker 0 with prefetch_factor tasks per worker in flight, results read in
// task order (worker b % n holds batch b, and each worker answers its tasks in order), a worker's error
// re-raised with its id, and a clean stop that releases every tensor still in transit.
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { dropPacked, type PackedValue, pack, unpack } from "./worker-pack.js";
import { BOOTSTRAP, type FromWorker, SIGNAL, type ToWorker, type WorkerInit } from "./worker-protocol.js";

/** What the pool needs from the loader. */
export interface WorkerPoolOptions {
  numWorkers: number;
  dataset: unknown;
  collate: unknown;
  initFn: unknown;
  baseSeed: bigint;
  /** Seconds to wait for one batch before failing; 0 waits for ever (PyTorch's timeout). */
  timeout: number;
}

/** A worker's error, re-raised in the main thread with the worker's id (PyTorch's ExceptionWrapper.reraise). */
export class WorkerError extends Error {
  override name = "WorkerError";
  constructor(
    message: string,
    readonly workerId: number,
    readonly originalName: string,
  ) {
    super(message);
  }
}

interface Slot {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
  ready: boolean;
  stopped: boolean;
}

// How often a blocked read wakes to check that the worker is alive (PyTorch's MP_STATUS_CHECK_INTERVAL is 5 s).
const CHECK_MS = 1000;
const TS_SOURCE = /\.[cm]?tsx?$/;

/** The worker threads of one DataLoader (one epoch, or several with persistent_workers). */
export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #timeoutMs: number;

  /** Starts `numWorkers` threads, each with its own copy of the dataset (its tensors shared, not copied). */
  constructor(opts: WorkerPoolOptions) {
    this.#timeoutMs = opts.timeout * 1000;
    const local = import.meta.url;
    const entry = new URL(TS_SOURCE.test(local) ? "./worker-main.ts" : "./worker-main.js", local).href;
    for (let id = 0; id < opts.numWorkers; id++) {
      const packed: PackedValue[] = [];
      try {
        packed.push(pack(opts.dataset, "dataset"));
        const collate = opts.collate ? pack(opts.collate, "collate_fn") : null;
        if (collate) packed.push(collate);
        const initFn = opts.initFn ? pack(opts.initFn, "worker_init_fn") : null;
        if (initFn) packed.push(initFn);
        const modules = [...new Set(packed.flatMap((p) => p.modules))];
        const tsx = [entry, ...modules].some((m) => TS_SOURCE.test(new URL(m).pathname))
          ? tsxApi(modules)
          : null;
        const { port1, port2 } = new MessageChannel();
        const signal = new SharedArrayBuffer(4 * 4);
        const init: WorkerInit = {
          id,
          numWorkers: opts.numWorkers,
          seed: String(opts.baseSeed + BigInt(id)),
          dataset: packed[0]!,
          collate,
          initFn,
          modules,
          entry,
          tsx,
          port: port2,
          signal,
        };
        const worker = new Worker(BOOTSTRAP, { eval: true, workerData: init, transferList: [port2] });
        // Errors arrive through the port; without a listener Node would throw this event at the main thread.
        worker.on("error", () => {});
        worker.unref();
        this.#slots.push({
          worker,
          port: port1,
          signal: new Int32Array(signal),
          ready: false,
          stopped: false,
        });
      } catch (e) {
        for (const p of packed) dropPacked(p);
        this.stop();
        throw e;
      }
    }
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Queues the indices of batch `task` on worker `task % size`. */
  send(task: number, indices: number[]): void {
    const msg: ToWorker = { kind: "task", task, indices };
    this.#slots[task % this.#slots.length]!.worker.postMessage(msg);
  }

  /** Blocks until batch `task` is ready and returns it (the caller owns its tensors). */
  receive(task: number): unknown {
    const id = task % this.#slots.length;
    for (;;) {
      const msg = this.#next(id, true);
      if (msg.kind === "ready") continue;
      if (msg.kind === "error") throw reraise(msg.error, id, msg.task);
      if (msg.kind === "batch" && msg.task === task) return unpack(msg.batch);
      if (msg.kind === "batch") dropPacked(msg.batch);
      throw new Error(
        `DataLoader worker ${id} answered task ${"task" in msg ? msg.task : msg.kind}, expected ${task}`,
      );
    }
  }

  /** Skips the tasks still queued and waits until every worker is idle (an epoch that ended early). */
  flush(): void {
    this.#drain("flush", "flushed");
  }

  /** Stops the threads, releasing every batch still in transit. Idempotent. */
  stop(): void {
    this.#drain("stop", "stopped");
    for (const slot of this.#slots) {
      slot.port.close();
      void slot.worker.terminate().catch(() => {});
    }
    this.#slots.length = 0;
  }

  #drain(kind: "flush" | "stop", answer: "flushed" | "stopped"): void {
    const live = this.#slots.filter((s) => !s.stopped && Atomics.load(s.signal, SIGNAL.exited) === 0);
    for (const slot of live) {
      Atomics.store(slot.signal, SIGNAL.cancel, 1);
      slot.worker.postMessage({ kind } satisfies ToWorker);
    }
    for (const slot of live) {
      const id = this.#slots.indexOf(slot);
      for (;;) {
        let msg: FromWorker;
        try {
          msg = this.#next(id, false);
        } catch {
          break; // the worker is gone: nothing more will arrive
        }
        if (msg.kind === "batch") dropPacked(msg.batch);
        if (msg.kind === answer) break;
      }
      Atomics.store(slot.signal, SIGNAL.cancel, 0);
      if (kind === "stop") slot.stopped = true;
    }
  }

  // The next message from worker `id`, waiting for it; throws when the worker has exited (or, when `timed`, when
  // the loader's timeout passes first).
  #next(id: number, timed: boolean): FromWorker {
    const slot = this.#slots[id]!;
    const start = Date.now();
    for (;;) {
      const seen = Atomics.load(slot.signal, SIGNAL.posted);
      const got = receiveMessageOnPort(slot.port);
      if (got !== undefined) return got.message as FromWorker;
      if (Atomics.load(slot.signal, SIGNAL.exited) !== 0) {
        throw new WorkerError(`DataLoader worker ${id} exited unexpectedly`, id, "Error");
      }
      const waited = Date.now() - start;
      if (timed && this.#timeoutMs > 0 && waited >= this.#timeoutMs) {
        throw new Error(`DataLoader timed out after ${this.#timeoutMs / 1000} seconds`);
      }
      const left = timed && this.#timeoutMs > 0 ? Math.min(CHECK_MS, this.#timeoutMs - waited) : CHECK_MS;
      Atomics.wait(slot.signal, SIGNAL.posted, seen, left);
    }
  }
}

// tsx's ESM API, for worker threads that load TypeScript sources (Node 20 does not pass --import hooks to them).
function tsxApi(modules: string[]): string {
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch {
    throw new Error(
      `DataLoader workers load TypeScript modules (${modules.join(", ") || "Kiln's sources"}) and need the ` +
        "package tsx for that: install it (npm i -D tsx), or run compiled JavaScript, or use num_workers=0",
    );
  }
}

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

/**
 * PyTorch's ExceptionWrapper.reraise: "Caught <Error> in DataLoader worker process <id>.\nOriginal <traceback>",
 * raised as the same class where it is a built-in one (else a WorkerError), with the worker's id as `workerId`.
 */
function reraise(error: { name: string; stack: string }, id: number, task: number): Error {
  const where = task < 0 ? " while starting" : "";
  const message = `Caught ${error.name} in DataLoader worker ${id}${where} (a worker thread).\nOriginal ${error.stack}`;
  const Builtin = BUILTIN_ERRORS[error.name];
  if (Builtin === undefined) return new WorkerError(message, id, error.name);
  return Object.assign(new Builtin(message), { workerId: id });
}
