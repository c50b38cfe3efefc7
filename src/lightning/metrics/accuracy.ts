/**
 * Accuracy as torchmetrics computes it. `new Accuracy({ task: "multiclass", num_classes: 10 })` gives a
 * MulticlassAccuracy (average "micro" by default, as torchmetrics' Accuracy wrapper; `top_k`, "macro",
 * "weighted", "none", `ignore_index`) and `task: "binary"` a BinaryAccuracy (`threshold`; logits outside [0, 1]
 * go through a sigmoid first). States are true/false positive/negative counts, summed over updates.
 * The three classes share this file because Accuracy's constructor builds the other two, which extend it:
 * apart, their modules would import each other and fail on load.
 */

import * as torch from "../../torch/index.js";
import { keep } from "../../torch/scope.js";
import { Tensor } from "../../torch/tensor.js";
import { readOptions } from "../callbacks/options.js";
import {
  type AccuracyAverage,
  type AccuracyOptions,
  AVERAGES,
  type BinaryAccuracyOptions,
  type MulticlassAccuracyOptions,
  resolveAccuracyTask,
} from "./accuracy-options.js";
import { binaryStats, flat, microStats, perClassStats, STAT_NAMES } from "./confusion-counts.js";
import { type FusedUpdate, microAccuracyUpdate } from "./fused-updates.js";
import { checkBinaryTarget, checkClassLabels } from "./label-checks.js";
import { asTensor, divideCounts, Metric, type MetricState } from "./metric.js";

export type {
  AccuracyAverage,
  AccuracyOptions,
  BinaryAccuracyOptions,
  MulticlassAccuracyOptions,
} from "./accuracy-options.js";

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
  const resolved = resolveAccuracyTask(options);
  if (resolved.task === "binary") return new BinaryAccuracy(resolved.options);
  return new MulticlassAccuracy(resolved.options);
}

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
    if (this.validateArgs && n > 0) checkClassLabels(safeTarget, scores ? null : preds, this.numClasses);
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
    const preds = flat(asTensor(predsIn, null, device, "BinaryAccuracy preds"));
    const target = flat(asTensor(targetIn, "int64", device, "BinaryAccuracy target"));
    if (this.validateArgs) checkBinaryTarget(target, this.ignoreIndex);
    return binaryStats(preds, target, this.threshold, this.ignoreIndex);
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
