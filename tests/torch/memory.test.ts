// The memory model: dispose, Symbol.dispose, nestable tidy with keep, live counts and native bytes.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../src/torch/index.js";

const live = () => torch.memoryStats().liveTensors;

test("dispose frees the native tensor and its bytes", () => {
  const before = torch.memoryStats();
  const t = torch.zeros([256, 256]);
  const during = torch.memoryStats();
  assert.equal(during.liveTensors, before.liveTensors + 1);
  assert.equal(during.nativeBytes, before.nativeBytes + 256 * 256 * 4);
  t.dispose();
  assert.deepEqual(torch.memoryStats(), before);
});

test("using disposes at the end of the block", () => {
  const before = live();
  {
    using t = torch.ones([3]);
    assert.equal(t.sum().item(), 3);
  }
  // t.sum() was not disposed: one live tensor left, t itself is gone.
  assert.equal(live(), before + 1);
});

test("tidy disposes intermediates and hands back returned tensors", () => {
  const before = live();
  const kept = torch.ones([2]);
  const result = torch.tidy(() => {
    const a = torch.ones([2]).add(1);
    const b = a.mul(a);
    torch.keep(b.add(0));
    return { out: b.sum(), list: [a] };
  });
  assert.equal(result.out.item(), 8);
  assert.equal(result.list[0]!.isDisposed, false);
  assert.equal(kept.isDisposed, false);
  // kept (outside), out, a, and the keep()'d tensor survive.
  assert.equal(live(), before + 4);
});

test("nested tidy passes returned tensors to the outer scope, which frees them", () => {
  const before = live();
  let inner: torch.Tensor | undefined;
  const sum = torch.tidy(() => {
    inner = torch.tidy(() => torch.ones([3]).mul(2));
    assert.equal(inner.isDisposed, false);
    return inner.sum().item();
  });
  assert.equal(sum, 6);
  assert.equal(inner!.isDisposed, true);
  assert.equal(live(), before);
});

test("tidy disposes everything when fn throws, and rethrows", () => {
  const before = live();
  assert.throws(
    () =>
      torch.tidy(() => {
        torch.ones([4]).mul(3);
        throw new Error("boom");
      }),
    /boom/,
  );
  assert.equal(live(), before);
  // the scope stack is restored: tensors made now are not tracked by a dead scope
  const t = torch.ones([1]);
  assert.equal(t.isDisposed, false);
  t.dispose();
});

test("tidy refuses async functions", () => {
  assert.throws(() => torch.tidy(async () => torch.ones([1])), /synchronous/);
});

test("a synchronous 10,000-step loop keeps the live count flat and RSS bounded", () => {
  const w = torch.randn([16, 16], { requiresGrad: true });
  const x = torch.randn([8, 16]);
  const before = live();
  let rssAfterWarmup = 0;
  for (let step = 0; step < 10_000; step++) {
    if (step === 1000) rssAfterWarmup = process.memoryUsage.rss();
    torch.tidy(() => {
      const loss = x.matmul(w).relu().sum();
      loss.backward();
      w.zeroGrad();
    });
    if (step % 2500 === 0) assert.equal(live(), before);
  }
  assert.equal(live(), before);
  const grown = process.memoryUsage.rss() - rssAfterWarmup;
  assert.ok(grown < 64 * 2 ** 20, `RSS grew ${(grown / 2 ** 20).toFixed(1)} MiB over 9,000 steps`);
  w.dispose();
  x.dispose();
});
