// The metrics' fast paths for a training loop's common case, built on the generic fused ops: a multiclass micro
// top-1 accuracy update and a MeanMetric update in two or three native calls instead of the general batch
// state's dozen ops, with bitwise the same states and values. Not applied (nothing changed) means the caller
// runs its general path, which also reports bad input.

import { fullLike } from "../../torch/creation.js";
import { accumulateWeighted_, addScalars_, labelMatchCount } from "../../torch/ops/fused.js";
import type { Tensor } from "../../torch/tensor.js";

/** What a fused metric update gave: `applied` false when nothing changed (the general path must run). */
export interface FusedUpdate {
  applied: boolean;
  /** The batch value (when asked for and applied). */
  value: Tensor | null;
}

const NOT_APPLIED: FusedUpdate = { applied: false, value: null };
const APPLIED: FusedUpdate = { applied: true, value: null };

/**
 * Multiclass micro top-1 accuracy update: labels (or argmax of [N, C] scores) vs int64 target labels, adding
 * tp, fp, tn, fn to the 0-d int64 `states` in place; with `withValue` also the batch accuracy (float32 0-d).
 * Not applied (nothing changed) when `validate` finds a label outside [0, numClasses), or for inputs of
 * another form or device than the states'.
 */
export function microAccuracyUpdate(
  preds: Tensor,
  target: Tensor,
  numClasses: number,
  validate: boolean,
  states: [Tensor, Tensor, Tensor, Tensor],
  withValue: boolean,
): FusedUpdate {
  const counted = labelMatchCount(preds, target, numClasses, validate, states[0]);
  if (counted === null) return NOT_APPLIED;
  const [tp, n] = counted;
  // torchmetrics' micro counts without ignore_index: fp = fn = n - tp, tn = n * (C - 2) + tp.
  addScalars_(states, [tp, n - tp, n * (numClasses - 2) + tp, n - tp]);
  if (!withValue) return APPLIED;
  // tp / n as torch divides int64 counts: both cast to float32, then a float32 division (0 for no samples).
  const accuracy = n === 0 ? 0 : Math.fround(Math.fround(tp) / Math.fround(n));
  return { applied: true, value: fullLike(states[0], accuracy, { dtype: "float32" }) };
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
  if (!accumulateWeighted_(mean, total, value, weight, nanCheck)) return NOT_APPLIED;
  if (!withValue) return APPLIED;
  // The batch mean: the value itself (a detached alias) with weight 1, else value * weight / weight.
  const plain = value.detach();
  return { applied: true, value: weight === 1 ? plain : plain.mul(weight).div(weight) };
}
