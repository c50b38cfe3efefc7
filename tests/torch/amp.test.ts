// torch.autocast scopes: lower-precision outputs inside, float32 outside, nesting, and restoring the state when
// the callback throws.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../src/torch/index.js";
import { testOnDevices } from "./devices.js";

const deviceType = (device: string) => (device.startsWith("cuda") ? "cuda" : "cpu");

/** Runs `fn` and returns the warnings it emitted through process.emitWarning. */
function captureWarnings(fn: () => void): string[] {
  const seen: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((message: string | Error) => {
    seen.push(String(message));
  }) as typeof process.emitWarning;
  try {
    fn();
  } finally {
    process.emitWarning = original;
  }
  return seen;
}

testOnDevices("autocast runs Linear and matmul in the lower precision, float32 outside", (device) => {
  torch.tidy(() => {
    const type = deviceType(device);
    const dtype = type === "cpu" ? "bfloat16" : "float16";
    const linear = new torch.nn.Linear(4, 3);
    linear.to(device);
    const x = torch.randn([2, 4], { device });
    const [inside, product, enabledInside] = torch.autocast(type, { dtype }, () => [
      linear.forward(x),
      x.matmul(x.transpose(0, 1)),
      torch.isAutocastEnabled(type),
    ]);
    assert.equal(inside.dtype, dtype);
    assert.equal(product.dtype, dtype);
    assert.equal(enabledInside, true);
    assert.equal(torch.isAutocastEnabled(type), false);
    assert.equal(linear.forward(x).dtype, "float32");
    assert.equal(linear.weight.dtype, "float32", "autocast never changes the parameters");
  });
});

test("autocast keeps the float32 gradients of float32 parameters", () => {
  torch.tidy(() => {
    const linear = new torch.nn.Linear(4, 2);
    const x = torch.randn([3, 4]);
    const loss = torch.autocast("cpu", { dtype: "bfloat16" }, () => linear.forward(x).sum());
    assert.equal(loss.dtype, "bfloat16");
    loss.backward();
    assert.equal(linear.weight.grad?.dtype, "float32");
    assert.equal(linear.bias!.grad?.dtype, "float32");
  });
});

test("the default dtype is the device's autocast dtype (bfloat16 on CPU)", () => {
  torch.tidy(() => {
    assert.equal(torch.getAutocastDtype("cpu"), "bfloat16");
    const x = torch.ones([2, 2]);
    assert.equal(torch.autocast("cpu", () => x.matmul(x)).dtype, "bfloat16");
  });
});

test("nested scopes: an inner disabled or float16 scope, then the outer state is back", () => {
  torch.tidy(() => {
    const x = torch.ones([2, 2]);
    torch.autocast("cpu", { dtype: "bfloat16" }, () => {
      const off = torch.autocast("cpu", { enabled: false }, () => {
        assert.equal(torch.isAutocastEnabled("cpu"), false);
        return x.matmul(x);
      });
      assert.equal(off.dtype, "float32");
      const half = torch.autocast("cpu", { dtype: "float16" }, () => x.matmul(x));
      assert.equal(half.dtype, "float16");
      assert.equal(torch.isAutocastEnabled("cpu"), true);
      assert.equal(torch.getAutocastDtype("cpu"), "bfloat16");
      assert.equal(x.matmul(x).dtype, "bfloat16");
    });
    assert.equal(torch.isAutocastEnabled("cpu"), false);
  });
});

test("the state is restored when the callback throws", () => {
  assert.throws(
    () =>
      torch.autocast("cpu", { dtype: "float16" }, () => {
        assert.equal(torch.isAutocastEnabled("cpu"), true);
        throw new Error("boom");
      }),
    /boom/,
  );
  assert.equal(torch.isAutocastEnabled("cpu"), false);
  assert.equal(torch.getAutocastDtype("cpu"), "bfloat16");
  torch.tidy(() => {
    const x = torch.ones([2, 2]);
    assert.equal(x.matmul(x).dtype, "float32");
  });
});

test("an async callback is refused (autocast scopes are synchronous) and the state is restored", () => {
  assert.throws(
    () => torch.autocast("cpu", async () => 1),
    /fn returned a Promise; autocast scopes are synchronous/,
  );
  assert.equal(torch.isAutocastEnabled("cpu"), false);
});

test("an unsupported dtype warns and disables autocast; an unknown device type fails", () => {
  torch.tidy(() => {
    const x = torch.ones([2, 2]);
    let out: torch.Tensor | undefined;
    const warnings = captureWarnings(() => {
      out = torch.autocast("cpu", { dtype: "float64" }, () => x.matmul(x));
    });
    assert.equal(out?.dtype, "float32");
    assert.match(
      warnings[0] ?? "",
      /In CPU autocast, but the target dtype is not supported. Disabling autocast./,
    );
  });
  assert.throws(() => torch.autocast("mps", () => 1), /unsupported autocast device_type 'mps'/);
});

test("autocast on cuda without a GPU warns and runs the callback without autocast", (t) => {
  if (torch.cuda.isAvailable()) {
    t.skip("a GPU is available: this checks the CPU-only fallback");
    return;
  }
  let ran = false;
  const warnings = captureWarnings(() => {
    torch.autocast("cuda", () => {
      ran = true;
      assert.equal(torch.isAutocastEnabled("cuda"), false);
    });
  });
  assert.equal(ran, true);
  assert.match(warnings[0] ?? "", /CUDA is not available .* Disabling autocast./);
});

test("useDeterministicAlgorithms sets and reports the global switch", () => {
  const before = torch.areDeterministicAlgorithmsEnabled();
  try {
    torch.useDeterministicAlgorithms(true);
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), true);
    assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), false);
    torch.useDeterministicAlgorithms(true, { warnOnly: true });
    assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), true);
    torch.useDeterministicAlgorithms(false);
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
  } finally {
    torch.useDeterministicAlgorithms(before);
  }
});
