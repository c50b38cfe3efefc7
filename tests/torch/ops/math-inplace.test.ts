// In-place ops (add_, sub_, mul_, div_, clamp_, zero_, fill_, copy_): they return `this`, write through views,
// and fail as autograd requires (leaf in-place, version counter); error messages name the op and the shapes.
import assert from "node:assert/strict";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";

/** Runs fn, expecting a TorchError for `op` whose message matches `pattern`; the process survives. */
function throwsTorchError(fn: () => unknown, op: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof torch.TorchError, `expected a TorchError, got ${String(caught)}`);
  assert.equal(caught.op, op);
  assert.match(caught.message, pattern);
  assert.doesNotMatch(caught.message, /Exception raised from|frame #/, "no C++ backtrace in messages");
}

testOnDevices("in-place arithmetic returns this and updates the values", (device) => {
  torch.tidy(() => {
    const x = torch.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: "float32", device },
    );
    assert.equal(x.add_(torch.tensor([1, 0, -1], { dtype: "float32", device })), x);
    assert.deepEqual(x.toArray(), [
      [2, 2, 2],
      [5, 5, 5],
    ]);
    assert.equal(x.sub_(1, 2).mul_(2).div_(4), x, "chains on the same tensor");
    assert.deepEqual(x.toArray(), [
      [0, 0, 0],
      [1.5, 1.5, 1.5],
    ]);
    x.div_(-1, "floor").clamp_(-1, null);
    assert.deepEqual(x.toArray(), [
      [-0, -0, -0], // floor(0 / -1) is -0, as in PyTorch
      [-1, -1, -1],
    ]);
    x.fill_(7).sub_(torch.tensor(2, { dtype: "float32", device }));
    assert.deepEqual(x.toArray(), [
      [5, 5, 5],
      [5, 5, 5],
    ]);
    x.fill_(torch.tensor(3.5, { device })).clamp_(
      null,
      torch.tensor([[3], [4]], { dtype: "float32", device }),
    );
    assert.deepEqual(x.toArray(), [
      [3, 3, 3],
      [3.5, 3.5, 3.5],
    ]);
    assert.equal(x.zero_(), x);
    assert.deepEqual(x.toArray(), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
});

testOnDevices("in-place ops write through views; copy_ broadcasts and converts", (device) => {
  torch.tidy(() => {
    const base = torch.zeros([2, 3], { device });
    base.select(0, 1).fill_(2);
    base.index([], 0).add_(1);
    assert.deepEqual(base.toArray(), [
      [1, 0, 0],
      [3, 2, 2],
    ]);
    const src = torch.tensor([7, 8, 9], { dtype: "int64" });
    base.copy_(src);
    assert.equal(base.dtype, "float32", "copy_ keeps the destination dtype");
    assert.equal(base.device, device === "cuda" ? "cuda:0" : "cpu", "copy_ keeps the destination device");
    assert.deepEqual(base.toArray(), [
      [7, 8, 9],
      [7, 8, 9],
    ]);
    throwsTorchError(
      () => base.copy_(torch.zeros([4])),
      "copy_",
      /^copy_\(float32\[2, 3\](?: on cuda:0)?, float32\[4\]\): .*size/,
    );
  });
});

testOnDevices("in-place on a leaf that requires grad fails naming the op; noGrad allows it", (device) => {
  torch.tidy(() => {
    const w = torch.ones([2, 2], { device, requiresGrad: true });
    for (const [op, fn] of [
      ["add_", () => w.add_(1)],
      ["mul_", () => w.mul_(2)],
      ["zero_", () => w.zero_()],
      ["fill_", () => w.fill_(3)],
      ["clamp_", () => w.clamp_(0, 1)],
    ] as const) {
      throwsTorchError(
        fn,
        op,
        new RegExp(`^${op}\\(float32\\[2, 2\\].*leaf Variable that requires grad .*in-place`),
      );
    }
    torch.noGrad(() => w.sub_(w.mul(0.5)));
    assert.deepEqual(w.toArray(), [
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    assert.equal(w.requiresGrad, true);
  });
});

testOnDevices("modifying a saved tensor in place trips the version counter at backward", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([0.5, -1, 2], { dtype: "float64", device, requiresGrad: true });
    const s = x.sigmoid();
    s.mul_(2); // sigmoid's backward needs its output, now at version 1
    throwsTorchError(
      () => s.sum().backward(),
      "backward",
      /modified by an inplace operation: .*output 0 of Sigmoid, is at version 1; expected version 0/,
    );
    // An op that saves nothing it needs lets the in-place change through, and the gradient is right.
    const y = x.add(1);
    y.mul_(3);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [3, 3, 3]);
  });
});

testOnDevices("an in-place result that cannot hold the promoted dtype fails naming the op", (device) => {
  torch.tidy(() => {
    const i = torch.tensor([1, 2, 3], { device });
    throwsTorchError(
      () => i.add_(0.5),
      "add_",
      /^add_\(int64\[3\].*, 0\.5\): result type Float can't be cast/,
    );
    throwsTorchError(
      () => i.div_(2),
      "div_",
      /result type Float can't be cast to the desired output type Long/,
    );
    i.div_(2, "floor").mul_(3);
    assert.deepEqual(i.toArray(), [0, 3, 3]);
  });
});

testOnDevices("shape errors name the op and both shapes", (device) => {
  torch.tidy(() => {
    const a = torch.zeros([2, 3], { device });
    const on = device === "cuda" ? " on cuda:0" : "";
    throwsTorchError(
      () => a.add(torch.zeros([4], { device })),
      "add",
      new RegExp(
        `^add\\(float32\\[2, 3\\]${on}, float32\\[4\\]${on}\\): The size of tensor a \\(3\\) must match`,
      ),
    );
    throwsTorchError(
      () => torch.matmul(a, torch.zeros([4, 5], { device })),
      "matmul",
      new RegExp(
        `^matmul\\(float32\\[2, 3\\]${on}, float32\\[4, 5\\]${on}\\): .*cannot be multiplied \\(2x3 and 4x5\\)`,
      ),
    );
    throwsTorchError(
      () => a.mm(torch.zeros([2], { device })),
      "mm",
      /^mm\(float32\[2, 3\].*float32\[2\].*: mat2 must be a matrix/,
    );
    throwsTorchError(
      () => torch.bmm(torch.zeros([2, 2, 3], { device }), torch.zeros([3, 3, 2], { device })),
      "bmm",
      /^bmm\(float32\[2, 2, 3\].*float32\[3, 3, 2\].*batch/,
    );
    throwsTorchError(
      () => a.mul_(torch.zeros([3, 3], { device })),
      "mul_",
      /^mul_\(float32\[2, 3\].*float32\[3, 3\]/,
    );
    throwsTorchError(
      () => a.div(1, "round" as torch.RoundingMode),
      "div",
      /^div\(float32\[2, 3\].*, 1, "round"\): .*rounding_mode/,
    );
  });
});

testOnDevices("in-place ops leave the live-tensor count where it started", (device) => {
  const before = torch.memoryStats().liveTensors;
  torch.tidy(() => {
    const x = torch.zeros([8], { device });
    for (let k = 0; k < 100; k++) x.add_(1).mul_(0.5).clamp_(0, 1);
    assert.ok(x.allclose(torch.ones([8], { device })), "x <- (x + 1) / 2 converges to 1");
  });
  assert.equal(torch.memoryStats().liveTensors, before);
});
