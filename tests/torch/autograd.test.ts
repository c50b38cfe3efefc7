// Autograd basics: requiresGrad, backward with gradient and retainGraph, grad handling, detach, grad modes.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../src/torch/index.js";
import { testOnDevices } from "./devices.js";

testOnDevices("backward accumulates gradients into leaves", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3], { dtype: "float64", device, requiresGrad: true });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.equal(x.grad, null);
    const y = x.mul(x).sum(); // dy/dx = 2x
    assert.equal(y.isLeaf, false);
    y.backward(undefined, { retainGraph: true });
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    y.backward(); // accumulates: the graph was retained
    assert.deepEqual(x.grad!.toArray(), [4, 8, 12]);
    x.zeroGrad(false);
    assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
    x.zeroGrad();
    assert.equal(x.grad, null);
  });
});

testOnDevices("backward on a non-scalar takes an explicit gradient", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2], { dtype: "float32", device, requiresGrad: true });
    const y = x.mul(3);
    y.backward(torch.tensor([1, 10], { dtype: "float32", device }));
    assert.deepEqual(x.grad!.toArray(), [3, 30]);
  });
});

test("a second backward without retainGraph fails cleanly", () => {
  torch.tidy(() => {
    const x = torch.tensor([1.5], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    assert.throws(
      () => y.backward(),
      (e: Error) => e instanceof torch.TorchError && /second time/.test(e.message),
    );
  });
});

test("grad can be set and unset; detach cuts the graph", () => {
  torch.tidy(() => {
    const x = torch.ones([2], { requiresGrad: true });
    x.grad = torch.full([2], 5.5);
    assert.deepEqual(x.grad!.toArray(), [5.5, 5.5]);
    x.grad = null;
    assert.equal(x.grad, null);
    const d = x.mul(2).detach();
    assert.equal(d.requiresGrad, false);
    const y = x.mul(2);
    y.detach_();
    assert.equal(y.requiresGrad, false);
    x.requiresGrad = false;
    assert.equal(x.requiresGrad, false);
  });
});

test("noGrad and enableGrad scopes nest and restore on throw", () => {
  torch.tidy(() => {
    const x = torch.ones([2], { requiresGrad: true });
    assert.equal(torch.isGradEnabled(), true);
    const y = torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      const inner = torch.enableGrad(() => x.mul(2));
      assert.equal(inner.requiresGrad, true);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.throws(() =>
      torch.noGrad(() => {
        throw new Error("inside");
      }),
    );
    assert.equal(torch.isGradEnabled(), true);
  });
});
