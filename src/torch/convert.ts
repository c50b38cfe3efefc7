// Conversion between JS data (nested arrays, typed arrays) and the flat buffers the native layer copies.
import type { DType } from "./dtype.js";
import { TorchError } from "./errors.js";
import type { NativeTypedArray } from "./native.js";

/** Nested JS arrays of numbers or booleans (a scalar is a 0-dim tensor). */
export type NestedArray = number | boolean | NestedArray[];

/** Flattened data, its shape, and the dtype PyTorch would infer for it. */
export interface Flattened {
  data: Float64Array | Uint8Array;
  shape: number[];
  inferred: DType;
}

/** Flattens rectangular nested arrays; ints infer int64, any fraction float32, booleans bool (as in Python). */
export function flattenNested(value: NestedArray): Flattened {
  const shape: number[] = [];
  let probe: NestedArray = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  const isBool = typeof probe === "boolean";
  const data = isBool ? new Uint8Array(numel) : new Float64Array(numel);
  let offset = 0;
  let allIntegral = true;
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v) || typeof v !== (isBool ? "boolean" : "number")) {
        throw new TorchError(
          `tensor(): element ${path || "[]"} is ${describe(v)}, expected ${isBool ? "a boolean" : "a number"}`,
          "tensor",
        );
      }
      const x = Number(v);
      if (allIntegral && !Number.isInteger(x)) allIntegral = false;
      data[offset++] = x;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new TorchError(
        `tensor(): ragged nested array: ${path || "the top level"} has ${Array.isArray(v) ? `length ${v.length}` : describe(v)}, expected length ${shape[depth]} (shape [${shape.join(", ")}])`,
        "tensor",
      );
    }
    for (let k = 0; k < v.length; k++) walk(v[k]!, depth + 1, `${path}[${k}]`);
  };
  walk(value, 0, "");
  const inferred: DType = isBool ? "bool" : allIntegral && numel > 0 ? "int64" : "float32";
  return { data, shape, inferred };
}

function describe(v: unknown): string {
  return Array.isArray(v) ? `an array of length ${v.length}` : `${typeof v} ${String(v)}`;
}

/** The dtype a typed array holds. */
export function typedArrayDtype(data: NativeTypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof BigInt64Array) return "int64";
  return "uint8";
}

/** Rebuilds nested arrays from a flat copy (int64 as numbers, bool as booleans); 0-dim gives a scalar. */
export function nestFlat(flat: NativeTypedArray, shape: number[], dtype: DType): NestedArray {
  const read: (k: number) => number | boolean =
    dtype === "bool"
      ? (k) => flat[k] !== 0
      : flat instanceof BigInt64Array
        ? (k) => Number(flat[k]!)
        : (k) => flat[k] as number;
  if (shape.length === 0) return read(0);
  let offset = 0;
  const build = (depth: number): NestedArray[] => {
    const n = shape[depth]!;
    const out: NestedArray[] = new Array(n);
    if (depth === shape.length - 1) {
      for (let k = 0; k < n; k++) out[k] = read(offset++);
    } else {
      for (let k = 0; k < n; k++) out[k] = build(depth + 1);
    }
    return out;
  };
  return build(0);
}
