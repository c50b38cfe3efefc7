// Python-style indexing: torch.index(t, ...spec) and t.index(...spec) as Python's t[...], and t.indexPut_(spec,
// value) as t[...] = value (see IndexElement).
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike, wrap } from "../tensor.js";

/**
 * One element of t.index(...), as in Python's t[...]:
 * - an integer picks one position and removes the dim (negative counts from the end);
 * - a range `[start, end, step]` (any part null/omitted: `[]` is the full `:`, `[1]` is `1:`,
 *   `[null, null, 2]` is `::2`) or the same as a string `":"`, `"1:"`, `"::2"`, `"-3:-1"`: keeps the dim;
 * - `"..."` stands for as many full ranges as needed;
 * - `null` inserts a new dim of size 1 (Python's None / np.newaxis);
 * - a tensor of int64 indices or a bool mask: advanced indexing (copies instead of a view).
 */
export type IndexElement = number | null | string | (number | null | undefined)[] | boolean | Tensor;

type NativeIndexElement = number | null | string | (number | null | undefined)[] | boolean;

declare module "../native.js" {
  interface NativeAddon {
    index(t: Handle, spec: NativeIndexElement[], tensors: Handle[]): Handle;
    indexPut_(t: Handle, spec: NativeIndexElement[], tensors: Handle[], value: Handle | Scalar): void;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** Python-style t[...]: integers, ranges, "...", null (new axis), index tensors (see IndexElement). */
    index(...spec: IndexElement[]): Tensor;
    /** In place: t[...spec] = value (a number or a tensor broadcasting to the indexed shape). */
    indexPut_(spec: IndexElement[], value: TensorLike): this;
  }
}

/** Python-style t[...spec] (see IndexElement); basic indexing gives a view. */
export function index(t: Tensor, ...spec: IndexElement[]): Tensor {
  // libtorch rejects an empty index list; Python's t[()] is a view of all of t, as t[...] is.
  const { elements, tensors } = nativeSpec(spec.length === 0 ? ["..."] : spec);
  return wrap(native().index(t.handle, elements, tensors));
}

// "1:3", ":", "::2", "-2:" -> [start, end, step]; tensors travel separately, marked "#" (see ops_shape.cc).
function nativeSpec(spec: IndexElement[]): { elements: NativeIndexElement[]; tensors: Handle[] } {
  const tensors: Handle[] = [];
  const elements = spec.map((e): NativeIndexElement => {
    if (e instanceof Tensor) {
      tensors.push(e.handle);
      return "#";
    }
    if (typeof e === "string" && e !== "...") return parseRange(e);
    return e;
  });
  return { elements, tensors };
}

function parseRange(text: string): (number | null)[] {
  const parts = text.split(":");
  const bad =
    parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() !== "" && !/^\s*-?\d+\s*$/.test(p));
  if (bad) {
    throw new TypeError(
      `index: "${text}" is not a range; use "start:end:step" with optional integers (e.g. ":", "1:", "::2") or "..."`,
    );
  }
  return parts.map((p) => (p.trim() === "" ? null : Number(p)));
}

Object.assign(Tensor.prototype, {
  index(this: Tensor, ...spec: IndexElement[]) {
    return index(this, ...spec);
  },
  indexPut_(this: Tensor, spec: IndexElement[], value: TensorLike) {
    const { elements, tensors } = nativeSpec(spec);
    native().indexPut_(this.handle, elements, tensors, operand(value));
    return this;
  },
} satisfies Partial<Record<keyof Tensor, unknown>>);
