// PyTorch's default_collate: turns a list of samples into one batch. Tensors are stacked along a new first
// dimension, numbers become a 1-D tensor, strings stay a list, and arrays and plain objects are collated field
// by field, so a batch has the structure of one sample.
import { fromTypedArray, tensor } from "../creation.js";
import { stack } from "../ops/shape.js";
import { Tensor } from "../tensor.js";

/** The batch type default collation makes from samples of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | bigint
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly (infer U)[]
        ? Collated<U>[]
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : T[];

/**
 * Collates samples like PyTorch's default_collate: tensors -> stack (all of one shape), integers -> int64,
 * other numbers -> float64, booleans -> bool, bigints -> int64, strings -> string[], arrays -> an array of
 * collated positions (all samples of one length), plain objects -> an object of collated fields. The result's
 * tensors are new; the samples' tensors are not disposed here.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  return collate(samples as readonly unknown[], "batch") as Collated<T>;
}

function collate(samples: readonly unknown[], where: string): unknown {
  if (samples.length === 0) throw new TypeError(`defaultCollate: ${where} is an empty list of samples`);
  const first = samples[0];
  const kind = kindOf(first);
  samples.forEach((s, i) => {
    if (kindOf(s) !== kind) {
      throw new TypeError(
        `defaultCollate: ${where}: sample ${i} is ${kindOf(s)} but sample 0 is ${kind}; ` +
          "every sample must have the same structure",
      );
    }
  });
  switch (kind) {
    case "tensor":
      return stackSamples(samples as Tensor[], where);
    case "number":
      return numbersToTensor(samples as number[]);
    case "boolean":
      return tensor(samples as boolean[]);
    case "bigint":
      return fromTypedArray(BigInt64Array.from(samples as bigint[]), [samples.length]);
    case "string":
      return [...(samples as string[])];
    case "array": {
      const arrays = samples as unknown[][];
      const size = arrays[0]!.length;
      if (arrays.some((a) => a.length !== size)) {
        throw new RangeError(
          `defaultCollate: ${where}: each element in list of batch should be of equal size`,
        );
      }
      return Array.from({ length: size }, (_, j) =>
        collate(
          arrays.map((a) => a[j]),
          `${where}[${j}]`,
        ),
      );
    }
    case "object": {
      const objects = samples as Record<string, unknown>[];
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(objects[0]!)) {
        out[key] = collate(
          objects.map((o) => o[key]),
          `${where}.${key}`,
        );
      }
      return out;
    }
    default:
      throw new TypeError(
        `defaultCollate: ${where}: samples of type ${kind} cannot be collated; default_collate handles ` +
          "tensors, numbers, booleans, bigints, strings, arrays and plain objects (pass a collate_fn for others)",
      );
  }
}

function kindOf(v: unknown): string {
  if (v instanceof Tensor) return "tensor";
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null ? "object" : (v.constructor?.name ?? "object");
  }
  return typeof v;
}

function stackSamples(samples: Tensor[], where: string): Tensor {
  const shape = samples[0]!.shape;
  samples.forEach((t, i) => {
    const s = t.shape;
    if (s.length !== shape.length || s.some((d, k) => d !== shape[k])) {
      throw new RangeError(
        `defaultCollate: ${where}: stack expects each tensor to be equal size, but got [${shape.join(", ")}] ` +
          `at sample 0 and [${s.join(", ")}] at sample ${i}`,
      );
    }
  });
  return stack(samples, 0);
}

// Python keeps ints and floats apart (int64 vs float64 batches); JS numbers that are all integers count as ints.
function numbersToTensor(values: number[]): Tensor {
  if (values.every(Number.isInteger))
    return fromTypedArray(BigInt64Array.from(values, BigInt), [values.length]);
  return fromTypedArray(Float64Array.from(values), [values.length]);
}
