/**
 * Test helper: describes a loaded (or to-be-saved) value as the JSON tree that
 * scripts/fixtures/make_serialization_fixture.py prints for Python's torch.load result, so the two can be
 * compared exactly. Also encodes/decodes tensor values for building test tensors.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { formatPyFloat, PyFloat } from "../../../src/common/pyvalue.js";
import {
  type DType,
  elementSize,
  isRawTensor,
  pickleAttributes,
  type RawStorage,
  type RawTensor,
  TorchDevice,
  TorchDtype,
  Tuple,
} from "../../../src/torch/serialization/index.js";

export const repoRoot = resolve(import.meta.dirname, "../../..");

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readElement(dv: DataView, dtype: DType, index: number): number | bigint | boolean {
  const at = index * elementSize(dtype);
  switch (dtype) {
    case "float32":
      return dv.getFloat32(at, true);
    case "float64":
      return dv.getFloat64(at, true);
    case "float16":
      return halfToFloat(dv.getUint16(at, true));
    case "bfloat16": {
      const f = new DataView(new ArrayBuffer(4));
      f.setUint32(0, dv.getUint16(at, true) << 16);
      return f.getFloat32(0);
    }
    case "int64":
      return dv.getBigInt64(at, true);
    case "int32":
      return dv.getInt32(at, true);
    case "int16":
      return dv.getInt16(at, true);
    case "int8":
      return dv.getInt8(at);
    case "uint8":
      return dv.getUint8(at);
    case "bool":
      return dv.getUint8(at) !== 0;
  }
}

/** The tensor's elements in row-major order, following its strides and storage offset. */
export function tensorValues(t: RawTensor): (number | bigint | boolean)[] {
  const dv = new DataView(t.storage.bytes.buffer, t.storage.bytes.byteOffset, t.storage.bytes.byteLength);
  const out: (number | bigint | boolean)[] = [];
  const walk = (dim: number, offset: number): void => {
    if (dim === t.shape.length) {
      out.push(readElement(dv, t.dtype, offset));
      return;
    }
    for (let i = 0; i < t.shape[dim]; i++) walk(dim + 1, offset + i * t.stride[dim]);
  };
  walk(0, t.storageOffset);
  return out;
}

/** A contiguous RawTensor from values (float16/bfloat16 not supported: tests take those from Python files). */
export function makeTensor(
  dtype: DType,
  shape: number[],
  values: (number | bigint | boolean)[],
  key?: string,
): RawTensor {
  const size = elementSize(dtype);
  const bytes = new Uint8Array(values.length * size);
  const dv = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const at = i * size;
    if (dtype === "float32") dv.setFloat32(at, Number(v), true);
    else if (dtype === "float64") dv.setFloat64(at, Number(v), true);
    else if (dtype === "int64") dv.setBigInt64(at, BigInt(v), true);
    else if (dtype === "int32") dv.setInt32(at, Number(v), true);
    else if (dtype === "int16") dv.setInt16(at, Number(v), true);
    else if (dtype === "int8") dv.setInt8(at, Number(v));
    else if (dtype === "uint8" || dtype === "bool") dv.setUint8(at, Number(v));
    else throw new Error(`makeTensor: ${dtype} not supported`);
  });
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const storage: RawStorage = { key: key ?? `t${Math.random()}`, bytes, numel: values.length };
  return { dtype, shape, stride, storageOffset: 0, requiresGrad: false, storage };
}

type Described = Record<string, unknown>;

/** The description tree of a value (see the Python script's docstring). */
export function describeValue(value: unknown, storages = new Map<unknown, number>()): Described {
  const d = (v: unknown) => describeValue(v, storages);
  if (isRawTensor(value)) {
    if (!storages.has(value.storage)) storages.set(value.storage, storages.size);
    const floating = value.dtype.startsWith("float") || value.dtype === "bfloat16";
    return {
      tensor: {
        dtype: value.dtype,
        shape: value.shape,
        stride: value.stride,
        storage_offset: value.storageOffset,
        storage_numel: value.storage.numel,
        storage_id: storages.get(value.storage),
        requires_grad: value.requiresGrad,
        parameter: value.isParameter === true,
        values: tensorValues(value).map((x) =>
          floating ? formatPyFloat(Number(x)) : typeof x === "boolean" ? x : String(x),
        ),
      },
    };
  }
  if (value === null || value === undefined) return { none: null };
  if (typeof value === "boolean") return { bool: value };
  if (typeof value === "bigint") return { int: value.toString() };
  if (value instanceof PyFloat) return { float: formatPyFloat(value.value) };
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && !Object.is(value, -0)
      ? { int: String(value) }
      : { float: formatPyFloat(value) };
  }
  if (typeof value === "string") return { str: value };
  if (value instanceof Tuple) return { tuple: value.map(d) };
  if (Array.isArray(value)) return { list: value.map(d) };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString("hex") };
  if (value instanceof TorchDtype) return { dtype: value.name };
  if (value instanceof TorchDevice) return { device: value.type };
  if (value instanceof Set) {
    return { set: [...value].map(d).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  }
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const out: Described = { dict: entries.map(([k, v]) => [d(k), d(v)]) };
  const attributes = (value as { [pickleAttributes]?: { _metadata?: unknown } })[pickleAttributes];
  if (attributes?._metadata !== undefined) out.metadata = d(attributes._metadata);
  return out;
}

/** A Python with torch (KILN_PYTHON, the repo's .venv, or python3), or undefined with the reason. */
export function findTorchPython(): { python?: string; reason: string } {
  const candidates = [process.env.KILN_PYTHON, resolve(repoRoot, ".venv/bin/python"), "python3"].filter(
    (p): p is string => typeof p === "string" && p.length > 0,
  );
  for (const python of candidates) {
    if (python.includes("/") && !existsSync(python)) continue;
    const r = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
    if (r.status === 0) return { python, reason: "" };
  }
  return { reason: `no Python with torch found (tried ${candidates.join(", ")}; set KILN_PYTHON)` };
}

/** Python's description of `torch.load(file, weights_only=True)`, via the fixture script. */
export function describeWithPython(python: string, file: string): unknown {
  const script = resolve(repoRoot, "scripts/fixtures/make_serialization_fixture.py");
  const r = spawnSync(python, [script, "describe", file], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`Python could not load ${file}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}
