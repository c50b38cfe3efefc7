// The fused per-step ops give bitwise what the op chains they replace give, and leave everything untouched when
// they decline (the general path then runs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeBytes } from "../../../src/data/byte-images.js";
import { meanScalarUpdate, microAccuracyUpdate } from "../../../src/lightning/metrics/fused-updates.js";
import * as torch from "../../../src/torch/index.js";
import { gatherBytesLut } from "../../../src/torch/ops/fused.js";
import { testOnDevices } from "../devices.js";

const NORM = { mean: 0.1307, std: 0.3081 };

function bits(t: torch.Tensor): number[] {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

testOnDevices("gatherBytesLut equals index_select then ToTensor + Normalize, bit for bit", (device) => {
  torch.tidy(() => {
    torch.manualSeed(3);
    const bytes = torch.randint(0, 256, [50, 1, 28, 28], { dtype: "uint8", device });
    const lut = normalizeBytes(torch.arange(256, undefined, 1, { dtype: "uint8", device }), NORM);
    const index = torch.fromTypedArray(BigInt64Array.from([49n, 0n, 7n, 7n, 23n]), [5], { device });
    const got = gatherBytesLut(bytes, index, lut);
    const want = normalizeBytes(bytes.indexSelect(0, index), NORM);
    assert.deepEqual(got.shape, [5, 1, 28, 28]);
    assert.equal(got.dtype, "float32");
    assert.deepEqual(bits(got), bits(want));
    const none = gatherBytesLut(bytes, torch.zeros([0], { dtype: "int64", device }), lut);
    assert.deepEqual(none.shape, [0, 1, 28, 28]);
  });
});

test("gatherBytesLut refuses out-of-range rows and wrong tables", () => {
  torch.tidy(() => {
    const bytes = torch.zeros([4, 3], { dtype: "uint8" });
    const lut = torch.zeros([256]);
    for (const row of [4n, -1n]) {
      assert.throws(
        () => gatherBytesLut(bytes, torch.fromTypedArray(BigInt64Array.from([0n, row]), [2]), lut),
        /index -?\d is out of range for 4 rows/,
      );
    }
    assert.throws(() => gatherBytesLut(bytes, torch.arange(2), torch.zeros([255])), /256 entries/);
  });
});

/** Zeroed micro counts [tp, fp, tn, fn], as the metric keeps them (0-d int64). */
function microStates(): [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] {
  const zero = () => torch.zeros([], { dtype: "int64" });
  return [zero(), zero(), zero(), zero()];
}

/** The four micro counts as numbers [tp, fp, tn, fn]. */
function counts(states: torch.Tensor[]): number[] {
  return states.map((s) => Number(s.item()));
}

test("microAccuracyUpdate: counts and batch accuracy of labels and of scores (argmax: first max, NaN wins)", () => {
  torch.tidy(() => {
    const states = microStates();
    const target = torch.tensor([0, 1, 2, 2], { dtype: "int64" });
    const labels = torch.tensor([0, 1, 1, 2], { dtype: "int32" });
    const first = microAccuracyUpdate(labels, target, 3, true, states, true);
    assert.equal(first.applied, true);
    assert.equal(first.value!.dtype, "float32");
    assert.equal(first.value!.item(), 0.75);
    assert.deepEqual(counts(states), [3, 1, 7, 1]);
    // ties go to the first maximum; a NaN is the maximum, as torch.argmax has it
    const scores = torch.tensor([
      [1, 5, 5],
      [Number.NaN, 9, 0],
      [0, 0, 0],
    ]);
    const rowsTarget = torch.tensor([1, 0, 0], { dtype: "int64" });
    assert.deepEqual(scores.argmax(1).toArray(), [1, 0, 0]);
    const second = microAccuracyUpdate(scores, rowsTarget, 3, true, states, false);
    assert.deepEqual(second, { applied: true, value: null });
    assert.deepEqual(counts(states), [6, 1, 13, 1]);
  });
});

test("microAccuracyUpdate declines, changing nothing, for out-of-range labels, other dtypes and shapes", () => {
  torch.tidy(() => {
    const states = microStates();
    const t = torch.tensor([0, 1], { dtype: "int64" });
    const declined = [
      microAccuracyUpdate(torch.tensor([0, 3], { dtype: "int64" }), t, 3, true, states, true),
      microAccuracyUpdate(t, torch.tensor([-1, 1], { dtype: "int64" }), 3, true, states, true),
      microAccuracyUpdate(t, t.to("int32"), 3, true, states, true),
      microAccuracyUpdate(torch.zeros([2, 4]), t, 3, true, states, true),
      microAccuracyUpdate(t, torch.tensor([0, 1, 2], { dtype: "int64" }), 3, true, states, true),
    ];
    for (const d of declined) assert.deepEqual(d, { applied: false, value: null });
    assert.deepEqual(counts(states), [0, 0, 0, 0]);
    // without the range check, out-of-range labels just count as wrong
    microAccuracyUpdate(torch.tensor([0, 3], { dtype: "int64" }), t, 3, false, states, false);
    assert.deepEqual(counts(states), [1, 1, 3, 1]);
  });
});

test("meanScalarUpdate: value * weight and weight added; NaN, shapes and dtypes declined", () => {
  torch.tidy(() => {
    const mean = torch.tensor(0, { dtype: "float32" });
    const total = torch.tensor(0, { dtype: "float32" });
    const loss = torch.tensor(0.1, { dtype: "float32" }).requiresGrad_(true);
    const one = meanScalarUpdate(loss, 1, mean, total, true, true);
    assert.equal(one.applied, true);
    assert.equal(one.value!.requiresGrad, false);
    assert.deepEqual(bits(one.value!), bits(loss));
    const two = meanScalarUpdate(torch.tensor(0.3, { dtype: "float32" }), 3, mean, total, true, true);
    assert.deepEqual(bits(two.value!), bits(torch.tensor(0.3, { dtype: "float32" }).mul(3).div(3)));
    const want = torch.tensor(0.1, { dtype: "float32" }).add(torch.tensor(0.3, { dtype: "float32" }).mul(3));
    assert.deepEqual(bits(mean), bits(want));
    assert.equal(total.item(), 4);
    const nan = torch.tensor(Number.NaN, { dtype: "float32" });
    assert.deepEqual(meanScalarUpdate(nan, 1, mean, total, true, false), { applied: false, value: null });
    assert.deepEqual(meanScalarUpdate(torch.tensor([1]), 1, mean, total, true, false).applied, false);
    assert.deepEqual(meanScalarUpdate(torch.tensor(1, { dtype: "float64" }), 1, mean, total, true, false), {
      applied: false,
      value: null,
    });
    assert.equal(total.item(), 4);
    assert.deepEqual(meanScalarUpdate(nan, 1, mean, total, false, false), { applied: true, value: null });
    assert.ok(Number.isNaN(mean.item()));
  });
});
