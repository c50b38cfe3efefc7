// Failures surface as JS TorchErrors naming the op and the shapes or dtypes; the process survives them.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../src/torch/index.js";

function throwsTorchError(fn: () => unknown, pattern: RegExp): torch.TorchError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof torch.TorchError, `expected a TorchError, got ${String(caught)}`);
  assert.equal(caught.name, "TorchError");
  assert.match(caught.message, pattern);
  assert.doesNotMatch(caught.message, /Exception raised from|frame #/, "no C++ backtrace in messages");
  return caught;
}

test("shape mismatch names the op and both shapes", () => {
  torch.tidy(() => {
    const a = torch.zeros([2, 3]);
    const b = torch.zeros([4]);
    const e = throwsTorchError(() => a.add(b), /^add\(float32\[2, 3\], float32\[4\]\): The size of tensor a/);
    assert.equal(e.op, "add");
    throwsTorchError(
      () => torch.matmul(a, torch.zeros([2, 3])),
      /^matmul\(float32\[2, 3\], float32\[2, 3\]\): .*cannot be multiplied/,
    );
  });
});

test("dtype mismatch names the op and the dtypes", () => {
  torch.tidy(() => {
    const f = torch.ones([2, 2]);
    const d = torch.ones([2, 2], { dtype: "float64" });
    throwsTorchError(
      () => f.matmul(d),
      /^matmul\(float32\[2, 2\], float64\[2, 2\]\): .*(dtype|Double|Float)/,
    );
  });
});

test("bad device and dtype strings are reported", () => {
  throwsTorchError(
    () => torch.zeros([2], { device: "gpu" }),
    /^zeros\(\[2\], undefined, "gpu"\): .*device type at start of device string: gpu/,
  );
  throwsTorchError(() => torch.zeros([2], { dtype: "float8" as torch.DType }), /unknown dtype "float8"/);
  throwsTorchError(() => torch.tensor([[1, 2], [3]]), /ragged nested array/);
});

test("use after dispose throws instead of crashing", () => {
  const t = torch.ones([3]);
  t.dispose();
  assert.equal(t.isDisposed, true);
  t.dispose(); // idempotent
  throwsTorchError(() => t.add(1), /^add\(disposed tensor, 1\): argument 1 is a disposed tensor/);
  throwsTorchError(() => t.shape, /disposed tensor/);
  throwsTorchError(() => torch.ones([3]).add(t), /argument 2 is a disposed tensor/);
});

test("backward on a non-scalar without a gradient names the op and shape", () => {
  torch.tidy(() => {
    const x = torch.ones([2, 3], { requiresGrad: true });
    const y = x.mul(2);
    throwsTorchError(
      () => y.backward(),
      /^backward\(float32\[2, 3\]\): grad can be implicitly created only for scalar outputs/,
    );
    throwsTorchError(() => torch.ones([2]).sum().backward(), /does not require grad/);
    throwsTorchError(() => torch.ones([2], { dtype: "int64", requiresGrad: true }), /floating point/);
  });
});

test("the process survives many errors", () => {
  for (let k = 0; k < 1000; k++) {
    assert.throws(() => torch.tidy(() => torch.zeros([2]).add(torch.zeros([3]))), torch.TorchError);
  }
  assert.equal(
    torch.tidy(() => torch.ones([2]).sum().item()),
    2,
  );
});
