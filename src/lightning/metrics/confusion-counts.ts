/**
 * The true/false positive/negative counts that Accuracy's states accumulate, computed from one batch of
 * labels (multiclass) or yes/no predictions (binary) as torchmetrics' stat-scores updates do.
 */
import * as torch from "../../torch/index.js";
import type { Tensor } from "../../torch/tensor.js";
import type { MetricState } from "./metric.js";

/** The state names of the confusion counts, in the order the fused native update takes them. */
export const STAT_NAMES = ["tp", "fp", "tn", "fn"] as const;

/** A 1-d view of `t` (itself when it already is one). */
export function flat(t: Tensor): Tensor {
  return t.ndim === 1 ? t : t.flatten();
}

/** Micro totals (0-d) over `C` classes; `keep` masks out ignore_index samples (null: every sample counts). */
export function microStats(labels: Tensor, target: Tensor, keep: Tensor | null, C: number): MetricState {
  if (keep === null) {
    // Every sample counts: fp = fn = n - tp and tn = n * C - (tp + fp + fn) = n * (C - 2) + tp.
    const n = target.shape[0]!;
    const tp = labels.eq(target).sum();
    const wrong = tp.neg().add_(n);
    return { tp, fp: wrong, fn: wrong, tn: tp.add(n * (C - 2)) };
  }
  const right = labels.eq(target).logicalAnd(keep);
  const wrong = labels.ne(target).logicalAnd(keep);
  const tp = right.sum();
  const fp = wrong.sum();
  return { tp, fp, fn: fp, tn: keep.sum().mul(C).sub(fp.add(fp).add(tp)) };
}

/** Per-class counts ([C] each) through one-hot encodings; `keep` masks out ignore_index samples. */
export function perClassStats(labels: Tensor, target: Tensor, keep: Tensor | null, C: number): MetricState {
  let predOh = torch.oneHot(labels, C);
  let targetOh = torch.oneHot(target, C);
  if (keep !== null) {
    const k = keep.to("int64").unsqueeze(1);
    predOh = predOh.mul(k);
    targetOh = targetOh.mul(k);
  }
  const tp = predOh.mul(targetOh).sum(0);
  const fp = predOh.sum(0).sub(tp);
  const fn = targetOh.sum(0).sub(tp);
  const n = keep === null ? target.numel() : keep.sum();
  const tn = tp.neg().add(n).sub(fp).sub(fn);
  return { tp, fp, fn, tn };
}

/**
 * Binary counts (0-d) from flat predictions and int64 targets: float predictions are probabilities, or
 * logits when any lies outside [0, 1] (a sigmoid first), cut at `threshold`; other dtypes are 0/non-0 labels.
 */
export function binaryStats(
  predsIn: Tensor,
  target: Tensor,
  threshold: number,
  ignoreIndex: number | null,
): MetricState {
  let preds = predsIn;
  if (torch.isFloatingDtype(preds.dtype)) {
    const outside = preds.lt(0).logicalOr(preds.gt(1)).any().item();
    if (outside) preds = preds.sigmoid();
    preds = preds.gt(threshold);
  } else {
    preds = preds.ne(0);
  }
  let t = target.eq(1);
  let keep: Tensor | null = null;
  if (ignoreIndex !== null) {
    keep = target.ne(ignoreIndex);
    preds = preds.logicalAnd(keep);
    t = t.logicalAnd(keep);
  }
  const p = preds;
  const notP = keep === null ? p.logicalNot() : p.logicalNot().logicalAnd(keep);
  const notT = keep === null ? t.logicalNot() : t.logicalNot().logicalAnd(keep);
  return {
    tp: p.logicalAnd(t).sum(),
    fp: p.logicalAnd(notT).sum(),
    tn: notP.logicalAnd(notT).sum(),
    fn: notP.logicalAnd(t).sum(),
  };
}
