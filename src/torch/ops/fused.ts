// Fused per-step ops (native/ops_fused.cc): one native call for what the data path and the metrics did in a chain
// of small ops, with bitwise the same results.
import { type Handle, native } from "../native.js";
import { type Tensor, wrap } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    gatherBytesLut(bytes: Handle, index: Handle, lut: Handle): Handle;
    microAccuracyUpdate(
      preds: Handle,
      target: Handle,
      numClasses: number,
      validate: boolean,
      states: Handle[],
      withValue: boolean,
    ): Handle | null | undefined;
    meanScalarUpdate(
      value: Handle,
      weight: number,
      mean: Handle,
      total: Handle,
      nanCheck: boolean,
      withValue: boolean,
    ): Handle | null | undefined;
  }
}

/** float32 rows `index` of uint8 `bytes`, each byte b read as `lut[b]` (lut: float32 [256]); one pass. */
export function gatherBytesLut(bytes: Tensor, index: Tensor, lut: Tensor): Tensor {
  return wrap(native().gatherBytesLut(bytes.handle, index.handle, lut.handle));
}

/** What a fused metric update gave: `applied` false when nothing changed (the general path must run). */
export interface FusedUpdate {
  applied: boolean;
  /** The batch value (when asked for and applied). */
  value: Tensor | null;
}

const NOT_APPLIED: FusedUpdate = { applied: false, value: null };
const APPLIED: FusedUpdate = { applied: true, value: null };

function fusedResult(h: Handle | null | undefined): FusedUpdate {
  if (h === null) return NOT_APPLIED;
  if (h === undefined) return APPLIED;
  return { applied: true, value: wrap(h) };
}

/**
 * Multiclass micro top-1 accuracy update: labels (or argmax of [N, C] scores) vs int64 target labels, adding
 * tp, fp, tn, fn to the 0-d int64 `states` in place; with `withValue` also the batch accuracy (float32 0-d).
 * Not applied (nothing changed) when `validate` finds a label outside [0, numClasses).
 */
export function microAccuracyUpdate(
  preds: Tensor,
  target: Tensor,
  numClasses: number,
  validate: boolean,
  states: [Tensor, Tensor, Tensor, Tensor],
  withValue: boolean,
): FusedUpdate {
  const handles = states.map((s) => s.handle);
  return fusedResult(
    native().microAccuracyUpdate(preds.handle, target.handle, numClasses, validate, handles, withValue),
  );
}

/**
 * MeanMetric's update for a 0-d float32 `value`: mean += value * weight, total += weight (in place); with
 * `withValue` also the batch mean. Not applied (nothing changed) for another dtype, shape or device than the
 * states', or a NaN value when `nanCheck`.
 */
export function meanScalarUpdate(
  value: Tensor,
  weight: number,
  mean: Tensor,
  total: Tensor,
  nanCheck: boolean,
  withValue: boolean,
): FusedUpdate {
  return fusedResult(
    native().meanScalarUpdate(value.handle, weight, mean.handle, total.handle, nanCheck, withValue),
  );
}
