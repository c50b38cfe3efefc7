/**
 * Accuracy as torchmetrics computes it. `new Accuracy({ task: "multiclass", num_classes: 10 })` gives a
 * MulticlassAccuracy (average "micro" by default, as torchmetrics' Accuracy wrapper; `top_k`, "macro",
 * "weighted", "none", `ignore_index`) and `task: "binary"` a BinaryAccuracy (`threshold`; logits outside [0, 1]
 * go through a sigmoid first). States are true/false positive/negative counts, summed over updates.
 */

import * as torch from "../../torch/index.js";
import type { Tensor } from "../../torch/tensor.js";
import { readOptions } from "../callbacks/options.js";
import { asTensor, Metric, type MetricState, safeDivide } from "./metric.js";

/** How per-class scores are combined (torchmetrics' `average`). */
export type AccuracyAverage = "micro" | "macro" | "weighted" | "none" | null;

/** Accuracy's options (torchmetrics' argument names). */
export interface AccuracyOptions {
  task: "binary" | "multiclass" | "multilabel";
  num_classes?: number | null;
  num_labels?: number | null;
  threshold?: number;
  top_k?: number | null;
  average?: AccuracyAverage;
  multidim_average?: "global" | "samplewise";
  ignore_index?: number | null;
  validate_args?: boolean;
}

const ACCURACY_KEYS = [
  "task",
  "num_classes",
  "num_labels",
  "threshold",
  "top_k",
  "average",
  "multidim_average",
  "ignore_index",
  "validate_args",
];

/** Accuracy for `task`: constructs a MulticlassAccuracy or BinaryAccuracy, as torchmetrics' wrapper does. */
export class Accuracy extends Metric {
  constructor(options: AccuracyOptions) {
    super();
    // torchmetrics' Accuracy(task=...) returns the task-specific class; so does this constructor.
    // biome-ignore lint/correctness/noConstructorReturn: the task dispatch is the point (torchmetrics' __new__).
    if (new.target === Accuracy) return createAccuracy(options) as this;
  }

  // Never reached: the constructor above always returns a task-specific subclass that overrides these.
  protected batchState(..._args: unknown[]): MetricState {
    throw new Error("Accuracy: construct it with a task");
  }
  protected mergeState(_batch: MetricState): void {
    throw new Error("Accuracy: construct it with a task");
  }
  protected computeFrom(_state: MetricState): Tensor {
    throw new Error("Accuracy: construct it with a task");
  }
}

function createAccuracy(options: AccuracyOptions): Accuracy {
  const o = readOptions("Accuracy", options, ACCURACY_KEYS);
  const task = o.task;
  const common = {
    ignore_index: o.ignore_index as number | null | undefined,
    validate_args: o.validate_args as boolean,
  };
  if (o.multidim_average !== undefined && o.multidim_average !== "global") {
    throw new Error(
      `Accuracy: multidim_average="${String(o.multidim_average)}" is not supported (only "global")`,
    );
  }
  if (task === "binary")
    return new BinaryAccuracy({ threshold: o.threshold as number | undefined, ...common });
  if (task === "multiclass") {
    if (typeof o.num_classes !== "number" || !Number.isInteger(o.num_classes)) {
      throw new Error(
        `Optional arg \`num_classes\` must be type \`int\` when task is multiclass. Got ${String(o.num_classes)}`,
      );
    }
    const topK = (o.top_k ?? 1) as number;
    if (!Number.isInteger(topK) || topK < 1) {
      throw new Error(
        `Optional arg \`top_k\` must be type \`int\` when task is multiclass. Got ${String(o.top_k)}`,
      );
    }
    const average = (o.average === undefined ? "micro" : o.average) as AccuracyAverage;
    return new MulticlassAccuracy({ num_classes: o.num_classes, top_k: topK, average, ...common });
  }
  throw new Error(
    `Accuracy: task must be "binary" or "multiclass" (multilabel is not supported yet), got ${String(task)}`,
  );
}

/** Options of MulticlassAccuracy (its own default average is "macro", as in torchmetrics). */
export interface MulticlassAccuracyOptions {
  num_classes: number;
  top_k?: number;
  average?: AccuracyAverage;
  ignore_index?: number | null;
  validate_args?: boolean;
}

const AVERAGES = ["micro", "macro", "weighted", "none", null];

/** Accuracy of class predictions (labels, or scores/logits of shape [N, C, ...]). */
export class MulticlassAccuracy extends Accuracy {
  readonly numClasses: number;
  readonly topK: number;
  readonly average: AccuracyAverage;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;

  constructor(options: MulticlassAccuracyOptions) {
    super(options as unknown as AccuracyOptions);
    const o = readOptions("MulticlassAccuracy", options, [
      "num_classes",
      "top_k",
      "average",
      "ignore_index",
      "validate_args",
    ]);
    this.numClasses = o.num_classes as number;
    this.topK = (o.top_k ?? 1) as number;
    this.average = (o.average === undefined ? "macro" : o.average) as AccuracyAverage;
    this.ignoreIndex = (o.ignore_index ?? null) as number | null;
    this.validateArgs = (o.validate_args ?? true) as boolean;
    if (!AVERAGES.includes(this.average)) {
      throw new Error(
        `Expected argument \`average\` to be one of ${JSON.stringify(AVERAGES)}, but got ${this.average}`,
      );
    }
    if (this.topK > this.numClasses) {
      throw new Error(
        `Expected argument \`top_k\` to be smaller or equal to \`num_classes\` but got ${this.topK} and ${this.numClasses}`,
      );
    }
    // Micro top-1 needs only totals; everything else keeps per-class counts.
    const size = this.average === "micro" && this.topK === 1 ? [] : [this.numClasses];
    for (const name of ["tp", "fp", "tn", "fn"])
      this.addState(name, () => torch.zeros(size, { dtype: "int64" }));
  }

  /** Adds a batch of predictions (labels [N, ...] or scores [N, C, ...]) and targets (labels [N, ...]). */
  override update(preds: unknown, target: unknown): void {
    super.update(preds, target);
  }
  override forward(preds: unknown, target: unknown): Tensor {
    return super.forward(preds, target);
  }

  protected override batchState(predsIn: unknown, targetIn: unknown): MetricState {
    const device = this.device;
    let preds = asTensor(predsIn, null, device, "MulticlassAccuracy preds");
    const target = asTensor(targetIn, "int64", device, "MulticlassAccuracy target").flatten();
    const C = this.numClasses;
    const scores = preds.ndim >= 2 && torch.isFloatingDtype(preds.dtype);
    if (scores) {
      // [N, C, ...] -> [N * ..., C]
      const rest = Array.from({ length: preds.ndim - 2 }, (_, i) => i + 2);
      const moved = preds.ndim > 2 ? preds.permute([0, ...rest, 1]) : preds;
      preds = moved.reshape([-1, C]);
    } else {
      preds = preds.to("int64").flatten();
    }
    const n = target.shape[0]!;
    if (preds.shape[0] !== n) {
      throw new Error(
        `MulticlassAccuracy: preds and target hold different numbers of samples (${preds.shape[0]} vs ${n})`,
      );
    }
    let keepMask: Tensor | null = null;
    let safeTarget = target;
    if (this.ignoreIndex !== null) {
      keepMask = target.ne(this.ignoreIndex);
      safeTarget = target.where(keepMask, 0);
    }
    if (this.validateArgs) this.#validate(safeTarget, scores ? null : preds);
    let labels: Tensor;
    if (!scores) labels = preds;
    else if (this.topK === 1) labels = preds.argmax(1);
    else {
      // torchmetrics counts a hit when the target is among the top k, else the top-1 class as the prediction.
      const top = preds.topk(this.topK, { dim: 1 }).indices;
      const hit = top.eq(safeTarget.unsqueeze(1)).any(1);
      labels = safeTarget.where(hit, top.select(1, 0));
    }
    return this.average === "micro" && this.topK === 1
      ? microStats(labels, safeTarget, keepMask, C)
      : perClassStats(labels, safeTarget, keepMask, C);
  }

  #validate(target: Tensor, labels: Tensor | null): void {
    const check = (t: Tensor, what: string) => {
      if (t.numel() === 0) return;
      const max = Number(t.max().item());
      const min = Number(t.min().item());
      if (min < 0 || max >= this.numClasses) {
        throw new Error(
          `Detected more unique values in \`${what}\` than expected. Expected only ${this.numClasses} but found ` +
            `values in [${min}, ${max}] in \`${what}\`.`,
        );
      }
    };
    check(target, "target");
    if (labels !== null) check(labels, "preds");
  }

  protected override mergeState(batch: MetricState): void {
    for (const name of ["tp", "fp", "tn", "fn"]) this.state[name]!.add_(batch[name]!);
  }

  protected override computeFrom(s: MetricState): Tensor {
    const { tp, fp, fn } = s as { tp: Tensor; fp: Tensor; fn: Tensor };
    if (this.average === "micro") return safeDivide(tp.sum(), tp.add(fn).sum());
    const score = safeDivide(tp, tp.add(fn));
    if (this.average === "none" || this.average === null) return score;
    let weights: Tensor;
    if (this.average === "weighted") weights = tp.add(fn).to("float32");
    else {
      const absent = this.topK === 1 ? tp.add(fp).add(fn).eq(0) : tp.add(fn).eq(0);
      weights = absent.logicalNot().to("float32");
    }
    return safeDivide(weights.mul(score).sum(), weights.sum());
  }
}

function microStats(labels: Tensor, target: Tensor, keep: Tensor | null, C: number): MetricState {
  let right = labels.eq(target);
  let wrong = right.logicalNot();
  let count: Tensor | number = target.numel();
  if (keep !== null) {
    right = right.logicalAnd(keep);
    wrong = wrong.logicalAnd(keep);
    count = keep.sum();
  }
  const tp = right.sum();
  const fp = wrong.sum();
  const total =
    typeof count === "number" ? torch.tensor(count * C, { dtype: "int64", device: tp.device }) : count.mul(C);
  return { tp, fp, fn: fp.clone(), tn: total.sub(fp.add(fp).add(tp)) };
}

function perClassStats(labels: Tensor, target: Tensor, keep: Tensor | null, C: number): MetricState {
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

/** Options of BinaryAccuracy. */
export interface BinaryAccuracyOptions {
  threshold?: number;
  ignore_index?: number | null;
  validate_args?: boolean;
}

/** Accuracy of yes/no predictions: probabilities or logits thresholded at `threshold`, or 0/1 labels. */
export class BinaryAccuracy extends Accuracy {
  readonly threshold: number;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;

  constructor(options: BinaryAccuracyOptions = {}) {
    super(options as unknown as AccuracyOptions);
    const o = readOptions("BinaryAccuracy", options, ["threshold", "ignore_index", "validate_args"]);
    this.threshold = (o.threshold ?? 0.5) as number;
    this.ignoreIndex = (o.ignore_index ?? null) as number | null;
    this.validateArgs = (o.validate_args ?? true) as boolean;
    for (const name of ["tp", "fp", "tn", "fn"]) {
      this.addState(name, () => torch.zeros([], { dtype: "int64" }));
    }
  }

  override update(preds: unknown, target: unknown): void {
    super.update(preds, target);
  }
  override forward(preds: unknown, target: unknown): Tensor {
    return super.forward(preds, target);
  }

  protected override batchState(predsIn: unknown, targetIn: unknown): MetricState {
    const device = this.device;
    let preds = asTensor(predsIn, null, device, "BinaryAccuracy preds").flatten();
    const target = asTensor(targetIn, "int64", device, "BinaryAccuracy target").flatten();
    if (this.validateArgs) validateBinaryTarget(target, this.ignoreIndex);
    if (torch.isFloatingDtype(preds.dtype)) {
      const outside = preds.lt(0).logicalOr(preds.gt(1)).any().item();
      if (outside) preds = preds.sigmoid();
      preds = preds.gt(this.threshold);
    } else {
      preds = preds.ne(0);
    }
    let t = target.eq(1);
    let keep: Tensor | null = null;
    if (this.ignoreIndex !== null) {
      keep = target.ne(this.ignoreIndex);
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

  protected override mergeState(batch: MetricState): void {
    for (const name of ["tp", "fp", "tn", "fn"]) this.state[name]!.add_(batch[name]!);
  }

  protected override computeFrom(s: MetricState): Tensor {
    const { tp, fp, tn, fn } = s as { tp: Tensor; fp: Tensor; tn: Tensor; fn: Tensor };
    return safeDivide(tp.add(tn), tp.add(tn).add(fp).add(fn));
  }
}

// torchmetrics' check: binary targets hold only 0 and 1 (and the ignore_index).
function validateBinaryTarget(target: Tensor, ignoreIndex: number | null): void {
  let bad = target.ne(0).logicalAnd(target.ne(1));
  if (ignoreIndex !== null) bad = bad.logicalAnd(target.ne(ignoreIndex));
  if (bad.any().item()) {
    throw new Error(
      "Detected the following values in `target`: " +
        `${JSON.stringify([...new Set(target.toArray() as number[])].sort((a, b) => a - b))} but expected only ` +
        `the following values ${ignoreIndex === null ? "[0, 1]" : `[0, 1, ${ignoreIndex}]`}.`,
    );
  }
}
