// Elementwise math, comparisons and matrix products against Python torch (scripts/fixtures/shape_math_ops.py),
// with float64 gradchecks, dtype promotion with JS-number scalars, and NaN/inf handling.
import assert from "node:assert/strict";
import type { Tensor } from "../../../src/torch/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { declareFixtureTests, type FixtureOp, fixtureCases } from "./fixture.js";

const unary =
  (fn: (t: Tensor) => Tensor): FixtureOp =>
  (x) =>
    fn(x!);

// The JS side of each Python case (functional forms and methods both appear).
const ops: Record<string, FixtureOp> = {
  neg: (x) => x!.neg(),
  abs: unary(torch.abs),
  exp: (x) => x!.exp(),
  expm1: unary(torch.expm1),
  sin: (x) => x!.sin(),
  cos: unary(torch.cos),
  tan: (x) => x!.tan(),
  tanh: unary(torch.tanh),
  sigmoid: (x) => x!.sigmoid(),
  erf: unary(torch.erf),
  square: (x) => x!.square(),
  reciprocal: unary(torch.reciprocal),
  log: (x) => x!.log(),
  log1p: unary(torch.log1p),
  log2: (x) => x!.log2(),
  log10: unary(torch.log10),
  sqrt: (x) => x!.sqrt(),
  rsqrt: unary(torch.rsqrt),
  sign: (x) => x!.sign(),
  floor: unary(torch.floor),
  ceil: (x) => x!.ceil(),
  trunc: unary(torch.trunc),
  round: (x) => x!.round(),
  round_decimals: (x) => torch.round(x!, 2),
  add_scalar: (x) => x!.add(2.5),
  sub_broadcast: (x, y) => torch.sub(x!, y!),
  sub_alpha: (x, y) => x!.sub(y!, 0.5),
  mul_column: (x, y) => torch.mul(x!, y!),
  div_broadcast: (x, y) => x!.div(y!),
  div_scalar: (x) => torch.div(x!, 4),
  div_trunc: (x, y) => x!.div(y!, "trunc"),
  div_floor: (x, y) => torch.div(x!, y!, "floor"),
  pow_tensor: (x, y) => x!.pow(y!),
  pow_scalar: (x) => torch.pow(x!, 3),
  pow_scalar_base: (x) => torch.pow(2, x!),
  remainder: (x, y) => x!.remainder(y!),
  fmod: (x, y) => torch.fmod(x!, y!),
  maximum: (x, y) => x!.maximum(y!),
  minimum: (x, y) => torch.minimum(x!, y!),
  clamp_scalars: (x) => x!.clamp(-1, 2),
  clamp_min_only: (x) => torch.clamp(x!, 0.3),
  clamp_tensors: (x, lo, hi) => x!.clamp(lo!, hi!),
  mm: (x, y) => x!.mm(y!),
  bmm: (x, y) => torch.bmm(x!, y!),
  matmul_batched_broadcast: (x, y) => x!.matmul(y!),
  matmul_vector_matrix: (x, y) => torch.matmul(x!, y!),
  outer: (x, y) => x!.outer(y!),
  dot: (x, y) => torch.dot(x!, y!),
  eq_tensor: (x, y) => x!.eq(y!),
  eq_scalar: (x) => torch.eq(x!, 0.25),
  ne_tensor: (x, y) => torch.ne(x!, y!),
  ne_scalar: (x) => x!.ne(0.25),
  lt_tensor: (x, y) => x!.lt(y!),
  lt_scalar: (x) => torch.lt(x!, 0.25),
  le_tensor: (x, y) => torch.le(x!, y!),
  le_scalar: (x) => x!.le(0.25),
  gt_tensor: (x, y) => x!.gt(y!),
  gt_scalar: (x) => torch.gt(x!, 0.25),
  ge_tensor: (x, y) => torch.ge(x!, y!),
  ge_scalar: (x) => x!.ge(0.25),
  logical_and: (x, y) => x!.gt(0).logicalAnd(y!.gt(0)),
  logical_or: (x, y) => torch.logicalOr(x!.gt(0), y!.gt(0)),
  logical_xor: (x, y) => x!.gt(0).logicalXor(y!.gt(0)),
  logical_not: (x) => torch.logicalNot(x!.gt(0)),
  // dtype promotion with JS numbers as Python scalars
  int64_plus_int: (x) => x!.add(2),
  int64_plus_float: (x) => x!.add(2.5),
  int64_div_int: (x) => x!.div(2),
  int64_floordiv: (x) => x!.div(2, "floor"),
  int64_plus_int32: (x, y) => x!.add(y!),
  int32_times_float32: (x, y) => x!.mul(y!),
  float32_plus_float64: (x, y) => x!.add(y!),
  uint8_plus_int: (x) => x!.add(10),
  bool_plus_bool: (x) => x!.add(x!),
  bool_times_float: (x) => x!.mul(1.5),
  int32_pow_int: (x) => x!.pow(2),
  int64_where_float: (x) => torch.where(x!.gt(0), x!, 0.5),
  int64_sqrt: (x) => x!.abs().sqrt(),
  int64_remainder: (x) => x!.remainder(-2),
};

declareFixtureTests(fixtureCases("math", "promotion"), ops);

testOnDevices("NaN and inf: isnan, isinf, isfinite, allclose(equalNan)", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([1, Number.NaN, Number.POSITIVE_INFINITY, -2], { dtype: "float64", device });
    assert.deepEqual(x.isnan().toArray(), [false, true, false, false]);
    assert.deepEqual(torch.isinf(x).toArray(), [false, false, true, false]);
    assert.deepEqual(x.isfinite().toArray(), [true, false, false, true]);
    assert.equal(x.allclose(x), false, "NaN != NaN by default");
    assert.equal(torch.allclose(x, x, 1e-5, 1e-8, true), true);
    assert.deepEqual(torch.tensor([0, 1], { device }).div(0).toArray(), [
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]);
  });
});

testOnDevices("allclose and equal compare shape and values", (device) => {
  torch.tidy(() => {
    const a = torch.tensor([1, 2, 3], { dtype: "float32", device });
    assert.equal(a.allclose(a.add(1e-7)), true);
    assert.equal(a.allclose(a.add(1e-3)), false);
    assert.equal(torch.allclose(a, a.add(1e-3), 1e-2), true, "rtol widens the tolerance");
    assert.equal(a.equal(a.clone()), true);
    assert.equal(torch.equal(a, a.add(1e-7)), false);
    assert.equal(a.equal(a.reshape([3, 1])), false, "shapes must match");
  });
});

testOnDevices("clamp needs a bound; round with decimals; pow of integers", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([-1.5, 0.25, 7], { device });
    assert.throws(
      () => x.clamp(),
      (e: Error) => e instanceof torch.TorchError && /^clamp\(.*min and max/.test(e.message),
    );
    assert.deepEqual(x.clamp(null, 0).toArray(), [-1.5, 0, 0]);
    assert.deepEqual(torch.tensor([1, 2, 3], { device }).pow(2).toArray(), [1, 4, 9]);
    assert.throws(
      () => torch.tensor([2], { device }).pow(-1),
      (e: Error) =>
        e instanceof torch.TorchError &&
        /^pow\(int64\[1\], -1\): Integers to negative integer powers/.test(e.message),
    );
  });
});

testOnDevices("math ops inside tidy leave the live-tensor count where it started", (device) => {
  const before = torch.memoryStats().liveTensors;
  torch.tidy(() => {
    const a = torch.randn([4, 5], { device });
    const b = torch.randn([5, 3], { device });
    for (let k = 0; k < 50; k++) a.matmul(b).sigmoid().mul(2).sub(1).clamp(-0.5, 0.5).exp().sum();
  });
  assert.equal(torch.memoryStats().liveTensors, before);
});
