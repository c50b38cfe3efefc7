// Tensor handles without V8 finalizers (native/handle.cc): stale handles stay rejected after their slot is
// reused, foreign values are refused without a crash, and the JS safety net frees tensors that outlive every
// scope once they are garbage-collected.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as torch from "../../src/torch/index.js";
import { native } from "../../src/torch/native.js";
import { allocatorInfo } from "../../src/torch/runtime.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const ROOT = join(import.meta.dirname, "../..");
const live = () => torch.memoryStats().liveTensors;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Collects garbage and lets the FinalizationRegistry callbacks run (they run from the event loop). */
async function collect(): Promise<void> {
  for (let k = 0; k < 6; k++) {
    await turn();
    gc();
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

test("a disposed handle stays disposed after its slot is reused by new tensors", () => {
  const t = torch.ones([2]);
  const stale = t.handle;
  t.dispose();
  // Slots are reused first-in first-out: cycle through every free slot so the stale one is taken again.
  for (let k = 0; k < 20_000; k++) torch.ones([1]).dispose();
  const fresh = Array.from({ length: 50 }, (_, k) => torch.full([1], k));
  assert.equal(native().isDisposed(stale), true);
  assert.throws(() => native().add(stale, 1), /argument 1 is a disposed tensor/);
  assert.throws(() => t.add(1), /argument 1 is a disposed tensor/);
  assert.deepEqual(
    fresh.map((f) => f.item()),
    Array.from({ length: 50 }, (_, k) => k),
  );
  native().dispose(stale); // idempotent, frees nothing else
  assert.equal(
    fresh.every((f) => !f.isDisposed && !native().isDisposed(f.handle)),
    true,
  );
  for (const f of fresh) f.dispose();
});

test("values that are not tensor handles are refused, generators and tensors are not confused", () => {
  const t = torch.ones([2]);
  const g = new torch.Generator().manualSeed(1);
  assert.throws(() => native().add(g.handle as never, 1), /argument 1 is not a tensor/);
  assert.throws(() => native().add({} as never, 1), /argument 1 is not a tensor/);
  assert.throws(() => native().dispose(3 as never), /argument 1 is not a tensor/);
  // A tensor handle where a generator is expected: an error, not a crash (the handle is no pointer).
  assert.throws(() => torch.randperm(4, { generator: t as never }), /not a generator/);
  assert.throws(() => native().cat([t.handle, {} as never], 0), /argument 1\[1\] is not a tensor/);
  t.dispose();
});

test("tensors created outside any scope and never disposed are freed once collected", async () => {
  await collect();
  const before = live();
  (() => {
    for (let k = 0; k < 200; k++) torch.ones([16]).add(k);
  })();
  assert.equal(live(), before + 400);
  await collect();
  assert.equal(live(), before);
});

test("tensors returned from the outermost tidy or kept are freed once collected", async () => {
  await collect();
  const before = live();
  (() => {
    for (let k = 0; k < 50; k++) {
      torch.tidy(() => {
        torch.keep(torch.ones([4]));
        return [torch.zeros([3]).add(k)];
      });
    }
  })();
  assert.equal(live(), before + 100);
  await collect();
  assert.equal(live(), before);
});

test("tensors that stay referenced are not freed by the safety net", async () => {
  const held = torch.tidy(() => torch.ones([3]).mul(2));
  const outside = torch.ones([2]);
  await collect();
  assert.deepEqual(held.toArray(), [2, 2, 2]);
  assert.deepEqual(outside.toArray(), [1, 1]);
  held.dispose();
  outside.dispose();
});

test("a synchronous loop of unscoped, disposed tensors leaves nothing live", () => {
  const a = torch.ones([1]);
  const before = live();
  for (let k = 0; k < 20_000; k++) a.add(k).dispose();
  assert.equal(live(), before);
  a.dispose();
});

test("KILN_ALLOCATOR=tuned fixes glibc's malloc thresholds at load; the default leaves them alone", () => {
  const script =
    "const a = require(process.argv[1]); process.stdout.write(JSON.stringify([a.allocatorInfo().mode, a.ones([2]) !== null]))";
  const addon = join(ROOT, "build/Release/kiln_native.node");
  const modeWith = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["-e", script, addon], {
      encoding: "utf8",
      env: { ...process.env, GLIBC_TUNABLES: "", KILN_ALLOCATOR: "", ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as [string, boolean];
  };
  assert.match(modeWith({})[0], /^system \(glibc defaults\)/);
  const [tuned, works] = modeWith({ KILN_ALLOCATOR: "tuned" });
  assert.match(tuned, /^tuned \(glibc mmap threshold 32 MiB/);
  assert.equal(works, true);
  assert.match(
    modeWith({ KILN_ALLOCATOR: "tuned", GLIBC_TUNABLES: "glibc.malloc.trim_threshold=1" })[0],
    /wins/,
  );
  assert.match(allocatorInfo().mode, /^(system|tuned) \(/);
});
