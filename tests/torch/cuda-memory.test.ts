// torch.cuda.memory_stats and the byte counters read from it: the flattening against Python torch's own
// (tests/fixtures/torch/cuda_memory_stats.json, scripts/fixtures/cuda_memory_stats.py), the refusal without a
// GPU, and the caching allocator's live figures on CUDA.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { cudaDeviceIndex, flattenMemoryStats, type NestedMemoryStats } from "../../src/torch/cuda-memory.js";
import * as torch from "../../src/torch/index.js";

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/torch/cuda_memory_stats.json", import.meta.url), "utf8"),
) as { torch: string; nested: NestedMemoryStats; flat: [string, number][] };

const noGpu = torch.cuda.isAvailable()
  ? false
  : `CUDA not available (${torch.buildInfo().cuda ? "CUDA libtorch but no visible GPU" : "CPU-only libtorch build"})`;

test("flattenMemoryStats gives torch.cuda.memory_stats' keys, values and order", () => {
  const flat = flattenMemoryStats(fixture.nested);
  assert.deepEqual([...flat], fixture.flat, `as torch ${fixture.torch} flattens the same nested dict`);
  const allocated = fixture.nested.allocated_bytes as NestedMemoryStats;
  const all = allocated.all as NestedMemoryStats;
  assert.equal(flat.get("allocated_bytes.all.current"), all.current);
  assert.ok(flat.has("reserved_bytes_by_private_pools.1_12.small_pool.peak"), "tuple keys joined with _");
  assert.deepEqual([...flattenMemoryStats({})], [], "an uninitialised allocator gives {} as in Python");
});

test('cudaDeviceIndex reads a GPU index, "cuda" or "cuda:N", and says what it accepts', () => {
  assert.equal(cudaDeviceIndex(undefined), undefined);
  assert.equal(cudaDeviceIndex("cuda"), undefined);
  assert.equal(cudaDeviceIndex("cuda:3"), 3);
  assert.equal(cudaDeviceIndex(1), 1);
  for (const bad of ["cpu", "cuda:x", -1, 1.5]) {
    assert.throws(() => cudaDeviceIndex(bad), /expected a CUDA device \(a GPU index, "cuda" or "cuda:N"\)/);
  }
});

test("without a GPU, the CUDA memory queries say CUDA is not available", {
  skip: torch.cuda.isAvailable() ? "a GPU is present (the figures are tested on CUDA)" : false,
}, () => {
  for (const query of [
    () => torch.cuda.memoryStats(),
    () => torch.cuda.memoryAllocated(0),
    () => torch.cuda.maxMemoryReserved("cuda:0"),
    () => torch.cuda.resetPeakMemoryStats(),
  ]) {
    assert.throws(query, /CUDA is not available \(no CUDA libtorch or no GPU\)/);
  }
});

test("on CUDA, the allocator's figures follow a tensor's allocation and peak resets", { skip: noGpu }, () => {
  const expected = fixture.flat
    .map(([k]) => k)
    .filter((k) => !k.startsWith("reserved_bytes_by_private_pools."));
  const x = torch.zeros([1], { device: "cuda" }); // CUDA's allocator exists once a tensor is on the GPU
  try {
    assert.deepEqual([...torch.cuda.memoryStats().keys()], expected, "the keys of torch.cuda.memory_stats");
    assert.deepEqual([...torch.cuda.memoryStats("cuda:0").keys()], expected);
    const before = torch.cuda.memoryAllocated();
    const big = torch.zeros([1 << 20], { device: "cuda" }); // 4 MiB, large pool
    const during = torch.cuda.memoryAllocated(0);
    assert.ok(during - before >= 4 << 20, `allocated ${before} -> ${during}`);
    assert.ok(torch.cuda.memoryReserved() >= during);
    assert.equal(torch.cuda.memoryStats().get("allocated_bytes.large_pool.current")! >= 4 << 20, true);
    big.dispose();
    assert.equal(torch.cuda.memoryAllocated(), before, "the bytes go back to the cache when the tensor goes");
    assert.ok(torch.cuda.maxMemoryAllocated() >= during, "the peak remembers them");
    assert.ok(torch.cuda.maxMemoryReserved() >= torch.cuda.memoryReserved());
    torch.cuda.resetPeakMemoryStats();
    assert.equal(torch.cuda.maxMemoryAllocated(), torch.cuda.memoryAllocated());
    const count = torch.cuda.deviceCount();
    assert.throws(
      () => torch.cuda.memoryStats(count),
      new RegExp(`no CUDA device ${count}: ${count} visible`),
    );
  } finally {
    x.dispose();
  }
});
