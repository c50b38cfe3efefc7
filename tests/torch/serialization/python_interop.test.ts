// Files Kiln writes load in Python with torch.load(path, weights_only=True) and give the same values.
// Runs where a Python with torch is found (KILN_PYTHON, <repo>/.venv/bin/python, python3); skips otherwise.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import {
  load,
  type RawTensor,
  save,
  TorchDevice,
  TorchDtype,
  tuple,
} from "../../../src/torch/serialization/index.js";
import {
  describeValue,
  describeWithPython,
  findTorchPython,
  makeTensor,
  repoRoot,
} from "./describe_value.js";

const { python, reason } = findTorchPython();
const skip = python ? false : reason;
const dir = mkdtempSync(join(tmpdir(), "kiln-ser-py-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a checkpoint built in TypeScript reads back in Python with the same values", { skip }, () => {
  const base = makeTensor(
    "float32",
    [3, 4],
    [...Array(12).keys()].map((i) => i / 4 - 1),
  );
  const view: RawTensor = { ...base, shape: [2, 2], stride: [4, 2], storageOffset: 5 };
  const weight = {
    ...makeTensor("float32", [2, 3], [0.1, 0.2, 0.3, -1, -2, -3]),
    isParameter: true,
    requiresGrad: true,
  };
  const value = {
    model: { "net.0.weight": weight, "net.0.bias": makeTensor("float64", [2], [0.5, -0.5]), base, view },
    ints: makeTensor("int64", [3], [-(2n ** 63n), 0n, 2n ** 63n - 1n]),
    small: [
      makeTensor("int32", [2], [-7, 7]),
      makeTensor("int16", [1], [-300]),
      makeTensor("int8", [1], [-5]),
    ],
    bytes: makeTensor("uint8", [2, 2], [0, 1, 254, 255]),
    mask: makeTensor("bool", [3], [true, false, true]),
    scalar: makeTensor("float32", [], [2.5]),
    optimizer: {
      state: new Map<number, unknown>([[0, { step: makeTensor("float32", [], [6]) }]]),
      param_groups: [
        { lr: 0.05, betas: tuple(0.9, 0.999), weight_decay: 0, eps: new PyFloat(1), params: [0] },
      ],
    },
    numbers: [0, 255, 256, 65536, -1, -129, 2 ** 31, -(2 ** 31) - 1, 2n ** 64n, -(2n ** 70n), 1.5, -0, 1e300],
    text: ["héllo", "日本語 🎉", ""],
    flags: [true, false, null],
    misc: { dtype: new TorchDtype("float16"), device: new TorchDevice("cpu"), set: new Set([3]) },
    blob: new Uint8Array([0, 128, 255]),
  };
  const file = join(dir, "kiln_written.pt");
  save(value, file);
  assert.deepEqual(describeWithPython(python!, file), describeValue(value));
});

test("Python's own file, loaded and re-saved by Kiln, is unchanged for Python", { skip }, () => {
  const original = resolve(repoRoot, "tests/fixtures/serialization/python_mixed.pt");
  const file = join(dir, "python_mixed_resaved.pt");
  save(load(original, { preserveFloats: true }), file);
  const expected = JSON.parse(readFileSync(original.replace(/\.pt$/, ".json"), "utf8"));
  assert.deepEqual(describeWithPython(python!, file), expected);
});

test("the Lightning checkpoint re-saved by Kiln loads in Python like the original", { skip }, () => {
  const original = join(import.meta.dirname, "../../fixtures/lightning/tiny.ckpt");
  const file = join(dir, "tiny_resaved.ckpt");
  save(load(original, { preserveFloats: true }), file);
  assert.deepEqual(describeWithPython(python!, file), describeWithPython(python!, original));
});
