// Creation, dtypes, devices and copying data out.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DType } from "../../src/torch/index.js";
import * as torch from "../../src/torch/index.js";
import { testOnDevices } from "./devices.js";

const dtypes: DType[] = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool"];

test("tensor() infers dtypes like PyTorch", () => {
  torch.tidy(() => {
    assert.equal(torch.tensor([1, 2, 3]).dtype, "int64");
    assert.equal(torch.tensor([1, 2.5]).dtype, "float32");
    assert.equal(torch.tensor([true, false]).dtype, "bool");
    assert.equal(torch.tensor(new Float64Array([1, 2])).dtype, "float64");
    assert.equal(torch.tensor(new Int32Array([1, 2])).dtype, "int32");
    assert.equal(torch.tensor(new BigInt64Array([1n, 2n])).dtype, "int64");
    const scalar = torch.tensor(3.5);
    assert.deepEqual(scalar.shape, []);
    assert.equal(scalar.item(), 3.5);
    assert.deepEqual(
      torch
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .toArray(),
      [
        [1, 2],
        [3, 4],
      ],
    );
    assert.deepEqual(torch.tensor([]).shape, [0]);
  });
});

testOnDevices("every dtype round-trips through toArray and toTypedArray", (device) => {
  torch.tidy(() => {
    for (const dtype of dtypes) {
      const values = dtype === "bool" ? [[true, false, true]] : [[0, 1, 2]];
      const t = torch.tensor(values, { dtype, device });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, [1, 3]);
      assert.deepEqual(t.toArray(), values, dtype);
      const flat = t.toTypedArray();
      assert.equal(flat.length, 3);
      if (dtype === "int64") assert.ok(flat instanceof BigInt64Array);
      if (dtype === "float16" || dtype === "bfloat16") assert.ok(flat instanceof Float32Array);
    }
  });
});

testOnDevices("factories produce the right shapes, dtypes and values", (device) => {
  torch.tidy(() => {
    const dev = device === "cuda" ? "cuda:0" : "cpu";
    const z = torch.zeros([2, 3], { device });
    assert.deepEqual([z.shape, z.dtype, z.device], [[2, 3], "float32", dev]);
    assert.deepEqual(torch.ones(2, { dtype: "int32", device }).toArray(), [1, 1]);
    assert.equal(torch.empty([4], { device }).numel(), 4);
    assert.deepEqual(torch.full([2], 7, { device }).toArray(), [7, 7]);
    assert.equal(torch.full([2], 7, { device }).dtype, "int64");
    assert.equal(torch.full([2], 0.5, { device }).dtype, "float32");
    assert.deepEqual(torch.arange(4, undefined, 1, { device }).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(torch.arange(1, 2, 0.25, { device }).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(torch.linspace(0, 1, 5, { device }).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(torch.eye(2, 3, { device }).toArray(), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const r = torch.rand([1000], { device }).toArray() as number[];
    assert.ok(r.every((v) => v >= 0 && v < 1));
    const n = torch.randn([2000], { dtype: "float64", device }).toArray() as number[];
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    assert.ok(Math.abs(mean) < 0.15, `randn mean ${mean}`);
    const ri = torch.randint(3, 6, [500], { device });
    assert.equal(ri.dtype, "int64");
    assert.ok((ri.toArray() as number[]).every((v) => v >= 3 && v < 6));
    assert.deepEqual((torch.randperm(6, { device }).toArray() as number[]).sort(), [0, 1, 2, 3, 4, 5]);
  });
});

testOnDevices("*Like factories follow the template tensor", (device) => {
  torch.tidy(() => {
    const t = torch.ones([2, 2], { dtype: "float64", device });
    for (const like of [
      torch.zerosLike(t),
      torch.onesLike(t),
      torch.emptyLike(t),
      torch.randLike(t),
      torch.randnLike(t),
    ]) {
      assert.deepEqual([like.shape, like.dtype, like.device], [t.shape, t.dtype, t.device]);
    }
    assert.deepEqual(torch.fullLike(t, 3).toArray(), [
      [3, 3],
      [3, 3],
    ]);
    assert.equal(torch.zerosLike(t, { dtype: "int32" }).dtype, "int32");
    const ri = torch.randintLike(t, 0, 2).toArray() as number[][];
    assert.ok(ri.flat().every((v) => v === 0 || v === 1));
  });
});

testOnDevices("to() converts dtype and device", (device) => {
  torch.tidy(() => {
    const t = torch.tensor([1.7, -2.2]);
    assert.deepEqual(t.to("int64").toArray(), [1, -2]);
    const moved = t.to(device);
    assert.equal(moved.device, device === "cuda" ? "cuda:0" : "cpu");
    assert.deepEqual(moved.to({ dtype: "float64", device: "cpu" }).dtype, "float64");
    assert.equal(t.cpu().device, "cpu");
  });
});

test("manualSeed makes random draws repeatable", () => {
  torch.tidy(() => {
    torch.manualSeed(7);
    const a = torch.randn([5]).toArray();
    torch.manualSeed(7);
    assert.deepEqual(torch.randn([5]).toArray(), a);
  });
});

test("thread settings are exposed and KILN_NUM_THREADS applies at load", () => {
  const expected = Number(process.env.KILN_NUM_THREADS ?? 0);
  if (expected > 0) assert.equal(torch.getNumThreads(), expected);
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  assert.ok(torch.getNumInteropThreads() >= 1);
});

test("fromTypedArray copies by default and shares only on request", () => {
  const data = new Float32Array([1, 2, 3, 4]);
  const copied = torch.fromTypedArray(data, [2, 2]);
  const shared = torch.fromTypedArray(data, [2, 2], { share: true });
  data[0] = 10;
  assert.deepEqual(copied.toArray(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(shared.toArray(), [
    [10, 2],
    [3, 4],
  ]);
  assert.throws(() => torch.fromTypedArray(data, [2, 2], { share: true, dtype: "float64" }), /share: true/);
  copied.dispose();
  shared.dispose();
});

test("cuda queries answer without a GPU", () => {
  const available = torch.cuda.isAvailable();
  assert.equal(typeof available, "boolean");
  assert.equal(torch.cuda.deviceCount() > 0, available);
  if (!available) assert.throws(() => torch.cuda.synchronize(), torch.TorchError);
});
