// The messages between the main thread and a DataLoader worker thread. Tasks go to the worker with postMessage;
// results come back on a MessagePort that the main thread reads synchronously (receiveMessageOnPort), woken by
// a counter in shared memory, so that iterating a DataLoader stays a plain synchronous loop, as in PyTorch.
import type { MessagePort } from "node:worker_threads";
import type { PackedValue } from "./worker-pack.js";

/** Slots of a worker's shared Int32Array. */
export const SIGNAL = {
  /** Bumped (and notified) after every message the worker posts. */
  posted: 0,
  /** Set by the main thread: skip the tasks still queued (an epoch ended early or the pool stops). */
  cancel: 1,
  /** Set by the worker as its thread exits, for whatever reason. */
  exited: 2,
} as const;

/** What a worker thread starts with. */
export interface WorkerInit {
  id: number;
  numWorkers: number;
  /** The loader's base seed + id, as a decimal string (bigints do not survive every transfer). */
  seed: string;
  dataset: PackedValue;
  collate: PackedValue | null;
  initFn: PackedValue | null;
  /** Modules to import first: they register the classes and functions the packed values use. */
  modules: string[];
  /** The worker's own module (worker-main) and, for TypeScript sources, tsx's ESM API to load it with. */
  entry: string;
  tsx: string | null;
  port: MessagePort;
  signal: SharedArrayBuffer;
}

/** A task: the dataset indices of one batch. */
export interface TaskMessage {
  kind: "task";
  task: number;
  indices: number[];
}

/** Main → worker. */
export type ToWorker = TaskMessage | { kind: "flush" } | { kind: "stop" };

/** An error as it crosses threads. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack: string;
}

/** Worker → main. `task` -1 is the worker's start-up. */
export type FromWorker =
  | { kind: "ready" }
  | { kind: "batch"; task: number; batch: PackedValue }
  | { kind: "skipped"; task: number }
  | { kind: "error"; task: number; error: ErrorInfo }
  | { kind: "flushed" }
  | { kind: "stopped" };

/** An error's name, message and stack, for postMessage. */
export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error)
    return { name: e.name, message: e.message, stack: e.stack ?? `${e.name}: ${e.message}` };
  return { name: "Error", message: String(e), stack: `Error: ${String(e)}` };
}

/**
 * The bootstrap a worker thread runs (CommonJS, evaluated): it loads tsx first when the sources are TypeScript,
 * then the worker's module; an error on the way, or the thread's exit, is reported through the shared signal.
 */
export const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const signal = new Int32Array(workerData.signal);
const report = (e) => {
  workerData.port.postMessage({ kind: "error", task: -1, error: {
    name: (e && e.name) || "Error", message: String((e && e.message) || e), stack: String((e && e.stack) || e) } });
  Atomics.add(signal, ${SIGNAL.posted}, 1);
  Atomics.notify(signal, ${SIGNAL.posted});
};
process.on("exit", () => {
  Atomics.store(signal, ${SIGNAL.exited}, 1);
  Atomics.add(signal, ${SIGNAL.posted}, 1);
  Atomics.notify(signal, ${SIGNAL.posted});
});
process.on("uncaughtException", (e) => { report(e); process.exit(1); });
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await (await import(workerData.entry)).runWorker();
})().catch((e) => { report(e); process.exit(1); });
`;
