// Fused ops (native/ops_fused.cc): one native call for what a chain of small ops does on a training step's hot
// path, with bitwise the same results. What the values mean is the caller's: the MNIST datamodule normalises
// bytes with gatherBytesLut, the metrics count with the others (src/lightning/metrics/fused-updates.ts).
import { type Handle, native } from "../native.js";
import { type Tensor, wrap } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    gatherBytesLut(bytes: Handle, index: Handle, lut: Handle): Handle;
    labelMatchCount(
      preds: Handle,
      target: Handle,
      numClasses: number,
      checkRange: boolean,
      like: Handle,
    ): [matches: number, labels: number] | null;
    addScalars_(tensors: Handle[], values: number[]): void;
    accumulateWeighted_(sum: Handle, total: Handle, value: Handle, weight: number, skipNaN: boolean): boolean;
  }
}

/** float32 rows `index` of uint8 `bytes`, each byte b read as `lut[b]` (lut: float32 [256]); one pass. */
export function gatherBytesLut(bytes: Tensor, index: Tensor, lut: Tensor): Tensor {
  return wrap(native().gatherBytesLut(bytes.handle, index.handle, lut.handle));
}

/**
 * How many of `target`'s int64 labels equal the predictions, and how many labels there are: `preds` holds
 * labels (integral) or scores [N, numClasses] (a row's label is its argmax: the first maximum, NaN counting as
 * the largest). Null when the inputs are not of that form or not on `like`'s device, or when `checkRange` finds
 * a label outside [0, numClasses).
 */
export function labelMatchCount(
  preds: Tensor,
  target: Tensor,
  numClasses: number,
  checkRange: boolean,
  like: Tensor,
): [matches: number, labels: number] | null {
  return native().labelMatchCount(preds.handle, target.handle, numClasses, checkRange, like.handle);
}

/** Adds `values[i]` to the one-element tensor `tensors[i]` in place, for every i (integral numbers as ints). */
export function addScalars_(tensors: readonly Tensor[], values: readonly number[]): void {
  native().addScalars_(
    tensors.map((t) => t.handle),
    [...values],
  );
}

/**
 * sum += value * weight and total += weight, in place, for a 0-d float32 `value` on sum's device; false (nothing
 * changed) for any other value, or a NaN one when `skipNaN`.
 */
export function accumulateWeighted_(
  sum: Tensor,
  total: Tensor,
  value: Tensor,
  weight: number,
  skipNaN: boolean,
): boolean {
  return native().accumulateWeighted_(sum.handle, total.handle, value.handle, weight, skipNaN);
}
