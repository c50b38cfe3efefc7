// Tensors in Node worker threads: each thread has its own handle table (native/handle.cc), so a worker creates,
// uses and frees tensors while the main thread keeps its own, and a worker's exit frees what it left.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import * as torch from "../../src/torch/index.js";

// The compiled API (tsx's loader does not reach eval'd worker threads on Node 20); same native addon.
const TORCH = join(import.meta.dirname, "../../dist/torch/index.js");

function runWorker(source: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // tsx in the worker too, so that it can import the TypeScript sources.
    const worker = new Worker(source, {
      eval: true,
      execArgv: ["--import", "tsx"],
      workerData: { torch: TORCH },
    });
    let message: unknown;
    worker.on("message", (m) => {
      message = m;
    });
    worker.on("error", reject);
    worker.on("exit", (code) => (code === 0 ? resolve(message) : reject(new Error(`worker exit ${code}`))));
  });
}

const skip = existsSync(TORCH) ? false : "dist/ is made by `npm run build`";

test("a worker thread computes with its own tensors while the main thread keeps its own", {
  skip,
}, async () => {
  const a = torch.tensor([1, 2, 3]);
  try {
    const before = torch.memoryStats().liveTensors;
    const result = await runWorker(`
      const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.torch).then((torch) => {
        const t = torch.arange(4).mul(2);
        const kept = torch.ones([1000]); // left undisposed: the worker's exit frees it
        parentPort.postMessage({ sum: t.sum().item(), live: torch.memoryStats().liveTensors });
      });
    `);
    assert.deepEqual(result, { sum: 12, live: 4 });
    assert.equal(torch.memoryStats().liveTensors, before, "the worker's tensors are not the main thread's");
    assert.deepEqual(a.add(1).toArray(), [2, 3, 4]);
  } finally {
    a.dispose();
  }
});
