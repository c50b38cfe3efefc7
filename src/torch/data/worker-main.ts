// A DataLoader worker thread (PyTorch's _worker_loop): rebuilds the dataset, seeds its own generator with
// base_seed + id, sets the WorkerInfo, runs worker_init_fn, then turns each task's indices into a collated
// batch (getItem and collate_fn run here) and hands it to the main thread without copying its tensors.
import { parentPort, workerData } from "node:worker_threads";
import { Generator } from "../generator.js";
import { tidy } from "../scope.js";
import { Tensor } from "../tensor.js";
import { useThreadGenerator } from "../transit.js";
import { defaultCollate } from "./collate.js";
import type { Dataset } from "./dataset.js";
import { setWorkerInfo } from "./worker-info.js";
import { pack, unpack } from "./worker-pack.js";
import { errorInfo, type FromWorker, SIGNAL, type ToWorker, type WorkerInit } from "./worker-protocol.js";

/** The worker's main loop; the bootstrap calls it once the module is loaded. */
export async function runWorker(): Promise<void> {
  const init = workerData as WorkerInit;
  const signal = new Int32Array(init.signal);
  const post = (msg: FromWorker): void => {
    init.port.postMessage(msg);
    Atomics.add(signal, SIGNAL.posted, 1);
    Atomics.notify(signal, SIGNAL.posted);
  };
  for (const url of init.modules) await import(url);
  // As PyTorch seeds each worker process's default generator with base_seed + worker_id.
  const seed = BigInt(init.seed);
  useThreadGenerator(new Generator().manualSeed(seed));
  const dataset = unpack(init.dataset) as Dataset<unknown>;
  const collate = init.collate ? (unpack(init.collate) as (samples: unknown[]) => unknown) : defaultCollate;
  setWorkerInfo({ id: init.id, num_workers: init.numWorkers, seed, dataset });
  if (init.initFn) (unpack(init.initFn) as (id: number) => unknown)(init.id);
  post({ kind: "ready" });

  parentPort!.on("message", (msg: ToWorker) => {
    if (msg.kind === "task") {
      if (Atomics.load(signal, SIGNAL.cancel) !== 0) return post({ kind: "skipped", task: msg.task });
      try {
        const batch = tidy(() => collate(msg.indices.map((i) => dataset.getItem(i))));
        try {
          post({ kind: "batch", task: msg.task, batch: pack(batch, "batch") });
        } finally {
          disposeAll(batch); // the main thread adopts its own references to the tensors in transit
        }
      } catch (e) {
        post({ kind: "error", task: msg.task, error: errorInfo(e) });
      }
    } else if (msg.kind === "flush") {
      post({ kind: "flushed" });
    } else {
      post({ kind: "stopped" });
      parentPort!.close();
    }
  });
}

function disposeAll(value: unknown): void {
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value)) for (const v of value) disposeAll(v);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) disposeAll(v);
}
