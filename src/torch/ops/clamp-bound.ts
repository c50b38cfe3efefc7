// Kept apart from arithmetic.ts so that `torch` (which re-exports every op file through math.ts) does not
// gain a public `bound` name: clamp and clamp_ live in different files and both need this conversion.
import type { Handle, Scalar } from "../native.js";
import { Tensor, type TensorLike } from "../tensor.js";

/** A clamp bound as the native call takes it: a handle, a number, or null/undefined for an open side. */
export type Bound = Handle | Scalar | null | undefined;

/** Converts a clamp bound (tensor, number, or null/undefined) to what the native clamp takes. */
export function bound(x: TensorLike | null | undefined): Bound {
  return x instanceof Tensor ? x.handle : x;
}
