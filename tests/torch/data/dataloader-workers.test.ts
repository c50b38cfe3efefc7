// DataLoader with num_workers > 0: getItem and collate_fn run in worker threads, each seeded base_seed + id as
// PyTorch's worker processes (the random samples equal PyTorch's, fixture from
// scripts/fixtures/make_transforms_fixtures.py), batches in order, persistent workers keep their generators,
// worker_init_fn runs in the workers, errors carry the worker id, and no tensor is left in transit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { sharedTensorCount } from "../../../src/torch/transit.js";
import {
  RandomSamples,
  reseed,
  sumIds,
  TransformedImages,
  Unregistered,
} from "../../fixtures/data/worker-datasets.js";

const { DataLoader } = torch.data;
const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/transforms/transforms.json", import.meta.url), "utf8"),
);

function epoch(loader: Iterable<torch.Tensor[]>): [number[], string[]][] {
  const out: [number[], string[]][] = [];
  for (const [ids, values] of loader) {
    out.push([ids!.toArray() as number[], (values!.toArray() as number[][]).map((v) => String(v[0]))]);
    ids!.dispose();
    values!.dispose();
  }
  return out;
}

const asStrings = (e: [number[], string[]][]) => e.map(([ids, v]) => [ids, v.map((x) => String(Number(x)))]);

for (const persistent of [false, true]) {
  test(`two workers draw PyTorch's random samples, in order (persistent_workers=${persistent})`, () => {
    const want = fixture.workers.find((w: { persistent?: boolean }) => w.persistent === persistent);
    const generator = new torch.Generator().manualSeed(want.seed);
    const loader = new DataLoader({
      dataset: new RandomSamples(),
      batch_size: 2,
      num_workers: 2,
      generator,
      persistent_workers: persistent,
    });
    const mainBefore = torch.getRngState();
    try {
      for (const wantEpoch of want.epochs) assert.deepEqual(asStrings(epoch(loader)), asStrings(wantEpoch));
      assert.equal(torch.rand([1], { generator }).item(), Number(want.generator_after));
      // The workers' seeding never moved the main thread's generator.
      const mainAfter = torch.getRngState();
      assert.deepEqual(mainAfter.toArray(), mainBefore.toArray());
      mainAfter.dispose();
    } finally {
      mainBefore.dispose();
      loader.shutdownWorkers();
    }
    assert.equal(sharedTensorCount(), 0);
  });
}

test("a shuffled loader with workers gives PyTorch's batches", () => {
  const want = fixture.workers.find((w: { shuffle?: boolean }) => w.shuffle);
  const loader = new DataLoader({
    dataset: new RandomSamples(),
    batch_size: 3,
    shuffle: true,
    num_workers: 2,
    generator: new torch.Generator().manualSeed(want.seed),
  });
  assert.deepEqual(asStrings(epoch(loader)), asStrings(want.epochs[0]));
});

test("transforms, collate_fn and worker_init_fn run in the workers; batches come back in order", () => {
  const images = torch.arange(0, 6 * 16, 1, { dtype: "uint8" }).reshape([6, 1, 4, 4]);
  const transform = new torch.transforms.Compose([
    new torch.transforms.RandomCrop(4, { padding: 1 }),
    new torch.transforms.ToDtype("float32", true),
  ]);
  try {
    const dataset = new TransformedImages(images, transform);
    const loader = new DataLoader({ dataset, batch_size: 2, num_workers: 3, prefetch_factor: 1 });
    const batches = [...loader] as unknown as { x: torch.Tensor; id: torch.Tensor; worker: torch.Tensor }[];
    assert.deepEqual(
      batches.map((b) => b.id.toArray()),
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    );
    assert.deepEqual(
      batches.map((b) => b.worker.toArray()),
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      "batch b comes from worker b % num_workers",
    );
    for (const b of batches) {
      assert.deepEqual(b.x.shape, [2, 1, 4, 4]);
      assert.equal(b.x.dtype, "float32");
      for (const t of Object.values(b)) t.dispose();
    }
    const sums = [...new DataLoader({ dataset, batch_size: 4, num_workers: 2, collate_fn: sumIds })];
    assert.deepEqual(sums, [6, 9]);
    // worker_init_fn reseeds each worker: the draws follow its seeds, not base_seed + id.
    const seeded = new DataLoader({
      dataset: new RandomSamples(4),
      batch_size: 2,
      num_workers: 2,
      worker_init_fn: reseed,
    });
    const got = epoch(seeded).map(([, v]) => v.map(Number));
    const expect = [1000, 1001].map((seed) => {
      const g = new torch.Generator().manualSeed(seed);
      return torch.tidy(() => [
        torch.rand([1], { generator: g }).item(),
        torch.rand([1], { generator: g }).item(),
      ]);
    });
    assert.deepEqual(got, expect);
  } finally {
    images.dispose();
  }
  assert.equal(sharedTensorCount(), 0);
});

test("a worker's error is re-raised with its worker id and the original stack; the workers stop", () => {
  const images = torch.zeros([8, 1, 2, 2], { dtype: "uint8" });
  try {
    const loader = new DataLoader({
      dataset: new TransformedImages(images, null, 5),
      batch_size: 2,
      num_workers: 2,
    });
    let seen = 0;
    assert.throws(
      () => {
        for (const b of loader as Iterable<Record<string, torch.Tensor>>) {
          seen++;
          for (const t of Object.values(b)) t.dispose();
        }
      },
      (e: Error & { workerId?: number }) => {
        assert.ok(e instanceof RangeError, `a RangeError, got ${e.name}`);
        assert.equal(e.workerId, 0);
        assert.match(
          e.message,
          /^Caught RangeError in DataLoader worker 0 \(a worker thread\)\.\nOriginal RangeError: sample 5 is broken/,
        );
        assert.match(e.message, /worker-datasets\.ts/);
        return true;
      },
    );
    assert.equal(seen, 2, "the batches before the failing one were delivered");
  } finally {
    images.dispose();
  }
  assert.equal(sharedTensorCount(), 0, "batches prefetched past the error were released");
});

test("breaking out of an epoch stops the workers and releases the prefetched batches", () => {
  for (const persistent of [false, true]) {
    const loader = new DataLoader({
      dataset: new RandomSamples(40),
      batch_size: 2,
      num_workers: 2,
      prefetch_factor: 4,
      persistent_workers: persistent,
    });
    for (const [a, b] of loader as Iterable<torch.Tensor[]>) {
      a!.dispose();
      b!.dispose();
      break;
    }
    assert.equal(sharedTensorCount(), 0);
    // A persistent loader goes on with a full epoch afterwards.
    if (persistent) assert.equal(epoch(loader).length, 20);
    loader.shutdownWorkers();
  }
});

test("values that cannot reach a worker, and bad options, are refused with PyTorch's messages", () => {
  assert.throws(
    () => [...new DataLoader({ dataset: new Unregistered(), num_workers: 1 })],
    /dataset is an instance of class Unregistered, which a DataLoader worker thread cannot rebuild\. Call torch\.data\.registerForWorkers/,
  );
  const images = torch.zeros([2, 1, 2, 2]);
  try {
    assert.throws(
      () => [
        ...new DataLoader({
          dataset: new TransformedImages(images, null),
          num_workers: 1,
          collate_fn: (s) => s,
        }),
      ],
      /collate_fn is function collate_fn/,
    );
  } finally {
    images.dispose();
  }
  assert.equal(sharedTensorCount(), 0);
  const dataset = new RandomSamples();
  assert.throws(
    () => new DataLoader({ dataset, num_workers: -1 }),
    /num_workers option should be non-negative/,
  );
  assert.throws(
    () => new DataLoader({ dataset, prefetch_factor: 2 }),
    /prefetch_factor option could only be specified in multiprocessing/,
  );
  assert.throws(
    () => new DataLoader({ dataset, persistent_workers: true }),
    /persistent_workers option needs num_workers > 0/,
  );
  assert.throws(() => new DataLoader({ dataset, timeout: -1 }), /timeout option should be non-negative/);
});

test("pin_memory without CUDA warns once and leaves batches as they are", {
  skip: torch.cuda.isAvailable() ? "a GPU is present (pinning is tested on CUDA)" : false,
}, async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const loader = new DataLoader({ dataset: new RandomSamples(4), batch_size: 2, pin_memory: true });
    assert.equal(epoch(loader).length, 2);
    assert.equal(epoch(loader).length, 2);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", onWarning);
  }
  assert.equal(warnings.filter((w) => w.includes("no accelerator is found")).length, 1);
});

test("pin_memory on CUDA pins every tensor of a batch", {
  skip: torch.cuda.isAvailable() ? false : "needs a GPU",
}, () => {
  const loader = new DataLoader({
    dataset: new RandomSamples(4),
    batch_size: 2,
    num_workers: 1,
    pin_memory: true,
  });
  for (const batch of loader as Iterable<torch.Tensor[]>) {
    for (const t of batch) {
      assert.equal(t.isPinned(), true);
      t.dispose();
    }
  }
});
