/**
 * Accuracy as torchmetrics computes it. `new Accuracy({ task: "multiclass", num_classes: 10 })` gives a
 * MulticlassAccuracy (average "micro" by default, as torchmetrics' Accuracy wrapper; `top_k`, "macro",
 * "weighted", "none", `ignore_index`) and `task: "binary"` a BinaryAccuracy (`threshold`; logits outside [0, 1]
 * go through a sigmoid first). States are true/false positive/negative counts, summed over updates.
 */

import * as torch from "../../torch/index.js";
import { type FusedUpdate, microAccuracyUpdate } from "../../torch/ops/fused.js";
import { keep } from "../../torch/scope.js";
import { Tensor } from "../../torch/tensor.js";
import { readOptions } from "../callbacks/options.js";
import { asTensor, divideCounts, Metric, type MetricState } from "./metric.js";

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
const STAT_NAMES = ["tp", "fp", "tn", "fn"] as const;

/** Accuracy of class predictions (labels, or scores/logits of shape [N, C, ...]). */
export class MulticlassAccuracy extends Accuracy {
  readonly numClasses: number;
  readonly topK: number;
  readonly average: AccuracyAverage;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;
  // The micro batch state last built and its sample count, for computeFrom's one-op batch accuracy.
  #batchCount: { stats: MetricState; n: number } | null = null;

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
    if (!this.#fusedMicro(preds, target, false).applied) super.update(preds, target);
  }
  override forward(preds: unknown, target: unknown): Tensor {
    const fused = this.#fusedMicro(preds, target, true);
    return fused.applied ? fused.value! : super.forward(preds, target);
  }

  /**
   * Micro top-1 accuracy without ignore_index (the default of training loops) in one native call: labels or
   * argmax of [N, C] scores vs int64 targets on the states' device, the range check and the four counts added
   * in place. Anything else (other dtypes or shapes, a device move, a label out of range and its error) is
   * not applied and goes through the general batch state.
   */
  #fusedMicro(preds: unknown, target: unknown, withValue: boolean): FusedUpdate {
    if (
      this.average !== "micro" ||
      this.topK !== 1 ||
      this.ignoreIndex !== null ||
      !(preds instanceof Tensor) ||
      !(target instanceof Tensor)
    ) {
      return { applied: false, value: null };
    }
    const states = STAT_NAMES.map((name) => this.stateTensor(name)) as [Tensor, Tensor, Tensor, Tensor];
    const fused = microAccuracyUpdate(preds, target, this.numClasses, this.validateArgs, states, withValue);
    if (fused.applied) this.recordUpdate(fused.value === null ? null : keep(fused.value));
    return fused;
  }

  protected override batchState(predsIn: unknown, targetIn: unknown): MetricState {
    const device = this.device;
    let preds = asTensor(predsIn, null, device, "MulticlassAccuracy preds");
    const target = flat(asTensor(targetIn, "int64", device, "MulticlassAccuracy target"));
    const C = this.numClasses;
    const ndim = preds.ndim;
    const scores = ndim >= 2 && torch.isFloatingDtype(preds.dtype);
    if (scores) {
      // [N, C, ...] -> [N * ..., C]
      const rest = Array.from({ length: ndim - 2 }, (_, i) => i + 2);
      const moved = ndim > 2 ? preds.permute([0, ...rest, 1]) : preds;
      preds = moved.reshape([-1, C]);
    } else {
      preds = flat(preds.dtype === "int64" ? preds : preds.to("int64"));
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
    if (this.validateArgs && n > 0) this.#validate(safeTarget, scores ? null : preds);
    let labels: Tensor;
    if (!scores) labels = preds;
    else if (this.topK === 1) labels = preds.argmax(1);
    else {
      // torchmetrics counts a hit when the target is among the top k, else the top-1 class as the prediction.
      const top = preds.topk(this.topK, { dim: 1 }).indices;
      const hit = top.eq(safeTarget.unsqueeze(1)).any(1);
      labels = safeTarget.where(hit, top.select(1, 0));
    }
    if (this.average !== "micro" || this.topK !== 1) return perClassStats(labels, safeTarget, keepMask, C);
    const stats = microStats(labels, safeTarget, keepMask, C);
    // Every sample counts without an ignore_index: forward's batch accuracy is then tp / n (one op).
    this.#batchCount = keepMask === null ? { stats, n } : null;
    return stats;
  }

  // torchmetrics' argument check: every label in [0, num_classes). One sync for target and preds together;
  // the error names the tensor at fault.
  #validate(target: Tensor, labels: Tensor | null): void {
    const both = labels === null ? target : torch.stack([target, labels]);
    const inRange = (t: Tensor) => Number(t.min().item()) >= 0 && Number(t.max().item()) < this.numClasses;
    if (inRange(both)) return;
    const check = (t: Tensor, what: string) => {
      if (inRange(t)) return;
      const max = Number(t.max().item());
      const min = Number(t.min().item());
      throw new Error(
        `Detected more unique values in \`${what}\` than expected. Expected only ${this.numClasses} but found ` +
          `values in [${min}, ${max}] in \`${what}\`.`,
      );
    };
    check(target, "target");
    if (labels !== null) check(labels, "preds");
  }

  protected override mergeState(batch: MetricState): void {
    this.#batchCount = null;
    for (const name of STAT_NAMES) this.stateTensor(name).add_(batch[name]!);
  }

  protected override computeFrom(s: MetricState): Tensor {
    const { tp, fp, fn } = s as { tp: Tensor; fp: Tensor; fn: Tensor };
    if (this.average === "micro") {
      const batch = this.#batchCount;
      this.#batchCount = null;
      if (batch !== null && batch.stats === s && batch.n > 0) return tp.div(batch.n);
      // Micro top-1 keeps 0-d totals; per-class counts are summed first.
      const perClass = this.topK !== 1;
      return divideCounts(perClass ? tp.sum() : tp, perClass ? tp.add(fn).sum() : tp.add(fn));
    }
    const score = divideCounts(tp, tp.add(fn));
    if (this.average === "none" || this.average === null) return score;
    let weights: Tensor;
    if (this.average === "weighted") weights = tp.add(fn).to("float32");
    else {
      const absent = this.topK === 1 ? tp.add(fp).add(fn).eq(0) : tp.add(fn).eq(0);
      weights = absent.logicalNot().to("float32");
    }
    return divideCounts(weights.mul(score).sum(), weights.sum());
  }
}

function microStats(labels: Tensor, target: Tensor, keep: Tensor | null, C: number): MetricState {
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

/** A 1-d view of `t` (itself when it already is one). */
function flat(t: Tensor): Tensor {
  return t.ndim === 1 ? t : t.flatten();
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
    let preds = flat(asTensor(predsIn, null, device, "BinaryAccuracy preds"));
    const target = flat(asTensor(targetIn, "int64", device, "BinaryAccuracy target"));
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
    for (const name of STAT_NAMES) this.stateTensor(name).add_(batch[name]!);
  }

  protected override computeFrom(s: MetricState): Tensor {
    const { tp, fp, tn, fn } = s as { tp: Tensor; fp: Tensor; tn: Tensor; fn: Tensor };
    const right = tp.add(tn);
    return divideCounts(right, right.add(fp).add(fn));
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
