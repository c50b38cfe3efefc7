// The Tensor <-> RawTensor adapter: torch.save / torch.load with real Tensors (views keep strides, offsets and
// shared storages), files written by Python, and files Python reads back (where Python torch is installed).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import * as torch from "../../src/torch/index.js";
import { Parameter } from "../../src/torch/nn/parameter.js";
import type { RawStorage } from "../../src/torch/serialization/index.js";
import { tensorFromRaw, tensorToRaw } from "../../src/torch/serialization-adapter.js";
import {
  describeValue,
  describeWithPython,
  findTorchPython,
  repoRoot,
} from "./serialization/describe_value.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-adapter-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const { python, reason } = findTorchPython();

/** Replaces every Tensor in a loaded tree by its RawTensor (in place, so dict attributes survive); one
 * RawStorage object per storage key, so describeValue numbers shared storages as Python does. */
function toRawTree(value: unknown, storages = new Map<string, RawStorage>()): unknown {
  if (value instanceof torch.Tensor) {
    const raw = tensorToRaw(value);
    const known = storages.get(raw.storage.key);
    if (known) raw.storage = known;
    else storages.set(raw.storage.key, raw.storage);
    return raw;
  }
  if (typeof value !== "object" || value === null) return value;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [k, v] of entries) {
    const converted = toRawTree(v, storages);
    if (converted === v) continue;
    if (value instanceof Map) value.set(k, converted);
    else (value as Record<string, unknown>)[k as string] = converted;
  }
  return value;
}

/** Disposes every tensor in a tree. */
function disposeTree(value: unknown): void {
  if (value instanceof torch.Tensor) value.dispose();
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) disposeTree(v);
}

test("torch.save / torch.load round trip real tensors, views sharing their base's memory", () => {
  const before = torch.memoryStats().liveTensors;
  torch.tidy(() => {
    const base = torch.arange(0, 24).reshape([4, 6]).to("float32");
    const value = {
      w: base,
      view: base.narrow(1, 2, 3),
      transposed: base.t(),
      half: torch.tensor([1.5, -2.25]).to("float16"),
      ids: torch.tensor([-3, 7]),
      mask: torch.tensor([true, false]),
      grad: torch.ones([2]).requiresGrad_(),
      step: 3,
      names: ["a", "b"],
    };
    const file = join(dir, "round.pt");
    torch.save(value, file);
    const back = torch.load(file) as typeof value;
    assert.ok(back.w instanceof torch.Tensor);
    assert.equal(back.step, 3);
    assert.deepEqual(back.names, ["a", "b"]);
    for (const key of ["w", "view", "transposed", "half", "ids", "mask", "grad"] as const) {
      assert.deepEqual(back[key].toArray(), value[key].toArray(), key);
      assert.equal(back[key].dtype, value[key].dtype, key);
      assert.deepEqual(tensorToRaw(back[key]).stride, tensorToRaw(value[key]).stride, key);
    }
    assert.equal(tensorToRaw(back.view).storageOffset, 2);
    assert.equal(back.grad.requiresGrad, true);
    assert.equal(back.w.requiresGrad, false);
    // One storage in the file for the three views, and one again after loading: writes show through.
    const keys = new Set([back.w, back.view, back.transposed].map((t) => tensorToRaw(t).storage.key));
    assert.equal(keys.size, 1);
    back.w.add_(100);
    assert.equal((back.view.toArray() as number[][])[0]![0], 102);
    assert.equal((value.view.toArray() as number[][])[0]![0], 2);
    disposeTree(back);
  });
  assert.equal(torch.memoryStats().liveTensors, before);
});

test("Parameters load back as Parameters with their requires_grad", () => {
  torch.tidy(() => {
    const file = join(dir, "param.pt");
    const p = new Parameter(torch.tensor([0.5, -0.5]));
    const frozen = new Parameter(torch.tensor([1.0]), false);
    torch.save({ p, frozen }, file);
    const back = torch.load(file) as { p: torch.Tensor; frozen: torch.Tensor };
    assert.ok(back.p instanceof Parameter);
    assert.ok(back.frozen instanceof Parameter);
    assert.equal(back.p.requiresGrad, true);
    assert.equal(back.frozen.requiresGrad, false);
    assert.deepEqual(back.p.toArray(), [0.5, -0.5]);
    for (const t of [p, frozen, back.p, back.frozen]) t.dispose();
  });
});

test("a file written by Python's torch.save loads into Tensors", () => {
  torch.tidy(() => {
    const loaded = torch.load(join(import.meta.dirname, "../fixtures/torch/saved_by_python.pt")) as {
      w: torch.Tensor;
      b: torch.Tensor;
      step: number;
      names: string[];
      nested: { x: torch.Tensor; flag: boolean; none: null };
    };
    assert.deepEqual(loaded.w.toArray(), [
      [0.0, 0.25, 0.5],
      [0.75, 1.0, 1.25],
    ]);
    assert.equal(loaded.w.dtype, "float32");
    assert.equal(loaded.b.dtype, "float64");
    assert.deepEqual(loaded.b.toArray(), [0.5, 1.5, 2.5]);
    assert.equal(loaded.step, 7);
    assert.deepEqual(loaded.names, ["a", "b"]);
    assert.deepEqual(loaded.nested.x.toArray(), [-1, 0, 1, 2]);
    assert.equal(loaded.nested.x.dtype, "int64");
    assert.equal(loaded.nested.flag, true);
    assert.equal(loaded.nested.none, null);
  });
});

test("every tensor kind of Python's mixed file (float16, bfloat16, views, parameters) loads exactly", () => {
  torch.tidy(() => {
    const expected = JSON.parse(
      readFileSync(resolve(repoRoot, "tests/fixtures/serialization/python_mixed.json"), "utf8"),
    );
    const loaded = torch.load(resolve(repoRoot, "tests/fixtures/serialization/python_mixed.pt"), {
      preserveFloats: true,
    });
    const tensors: torch.Tensor[] = [];
    const collect = (v: unknown): void => {
      if (v instanceof torch.Tensor) tensors.push(v);
      else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) collect(x);
    };
    collect(loaded);
    assert.ok(tensors.length >= 15);
    assert.deepEqual(describeValue(toRawTree(loaded)), expected);
    for (const t of tensors) t.dispose();
  });
});

test("a file Kiln writes from real Tensors reads back in Python with the same values", {
  skip: python ? false : reason,
}, () => {
  torch.tidy(() => {
    const base = torch.arange(0, 12).reshape([3, 4]).to("float64");
    const value = {
      base,
      view: base.narrow(0, 1, 2),
      transposed: base.t(),
      bf16: torch.tensor([1.0, -3.5]).to("bfloat16"),
      labels: torch.tensor([1, 2, 3], { dtype: "int32" }),
      param: new Parameter(torch.tensor([0.25])),
      epoch: 2,
    };
    const file = join(dir, "for_python.pt");
    torch.save(value, file);
    assert.deepEqual(describeWithPython(python!, file), describeValue(toRawTree({ ...value })));
    value.param.dispose();
  });
});

test("a loaded tensor whose view does not fit its storage is rejected with libtorch's reason", () => {
  const bytes = new Uint8Array(4 * 4);
  const raw = {
    dtype: "float32" as const,
    shape: [2, 3],
    stride: [3, 1],
    storageOffset: 0,
    requiresGrad: false,
    storage: { key: "0", bytes, numel: 4 },
  };
  assert.throws(() => tensorFromRaw(raw), /out of bounds for storage/);
  assert.throws(
    () => tensorFromRaw({ ...raw, shape: [2], stride: [1], storage: { key: "1", bytes, numel: 3 } }),
    /3 elements \(12 bytes\) but 16 bytes were given/,
  );
});
