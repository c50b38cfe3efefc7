/**
 * torchmetrics' aggregation metrics: MeanMetric (weighted mean, e.g. by batch size), SumMetric, MaxMetric and
 * MinMetric. Inputs are cast to float32; NaNs follow `nan_strategy` ("warn": dropped with a warning, the
 * default; "error"; "ignore": dropped silently; "disable": kept; a number: replaced by it).
 */

import * as torch from "../../torch/index.js";
import { keep } from "../../torch/scope.js";
import { Tensor } from "../../torch/tensor.js";
import { emitWarning } from "../callbacks/messages.js";
import { readOptions } from "../callbacks/options.js";
import { type FusedUpdate, meanScalarUpdate } from "./fused-updates.js";
import { asTensor, Metric, type MetricState, type StateReduce } from "./metric.js";

/** How NaN inputs are treated (torchmetrics' nan_strategy). */
export type NanStrategy = "error" | "warn" | "ignore" | "disable" | number;

/** Options of the aggregation metrics (torchmetrics' argument names). */
export interface AggregationOptions {
  nan_strategy?: NanStrategy;
}

const NAN_STRATEGIES = ["error", "warn", "ignore", "disable"];

function readNanStrategy(className: string, options: AggregationOptions | undefined): NanStrategy {
  const o = readOptions(className, options, ["nan_strategy"]);
  const strategy = (o.nan_strategy ?? "warn") as NanStrategy;
  if (typeof strategy !== "number" && !NAN_STRATEGIES.includes(strategy)) {
    throw new Error(
      `Arg \`nan_strategy\` should either be a float or one of ${JSON.stringify(NAN_STRATEGIES)} but got ${String(strategy)}.`,
    );
  }
  return strategy;
}

/** Base of the aggregators: float conversion and the NaN policy, `fill` being the value that drops a NaN. */
abstract class Aggregator extends Metric {
  readonly nanStrategy: NanStrategy;

  constructor(
    options: AggregationOptions | undefined,
    stateName: string,
    initial: number,
    reduce: StateReduce = "sum",
  ) {
    super();
    this.nanStrategy = readNanStrategy(this.constructor.name, options);
    this.addState(stateName, () => torch.tensor(initial, { dtype: "float32" }), reduce);
  }

  /**
   * The input as float32 with NaNs handled; `dropValue` replaces NaNs that are to be dropped (so they cannot
   * change the result) and `mask` is 0 where an element was dropped, for weights.
   */
  protected cleaned(value: unknown, dropValue: number): { x: Tensor; mask: Tensor | null } {
    const x = asTensor(value, "float32", this.device, `${this.constructor.name}.update(value)`);
    if (this.nanStrategy === "disable") return { x, mask: null };
    const nan = x.isnan();
    if (!nan.any().item()) return { x, mask: null };
    if (this.nanStrategy === "error") throw new Error("Encountered `nan` values in tensor");
    if (typeof this.nanStrategy === "number")
      return { x: x.where(nan.logicalNot(), this.nanStrategy), mask: null };
    if (this.nanStrategy === "warn") emitWarning("Encountered `nan` values in tensor. Will be removed.");
    return { x: x.where(nan.logicalNot(), dropValue), mask: nan.logicalNot().to("float32") };
  }
}

/** Weighted mean of everything seen: sum(value * weight) / sum(weight). */
export class MeanMetric extends Aggregator {
  constructor(options?: AggregationOptions) {
    super(options, "mean_value", 0);
    this.addState("weight", () => torch.tensor(0, { dtype: "float32" }));
  }

  /** Adds `value` (a number or tensor) with `weight` (default 1; broadcast to value's shape). */
  override update(value: unknown, weight: unknown = 1): void {
    if (!this.#addScalar(value, weight, false).applied) super.update(value, weight);
  }
  override forward(value: unknown, weight: unknown = 1): Tensor {
    const fused = this.#addScalar(value, weight, true);
    return fused.applied ? fused.value! : super.forward(value, weight);
  }

  /**
   * The common case of a training loop, a 0-d float32 loss with a number weight and no NaN on the states'
   * device, folded in by one native call (mean_value += value * weight; weight += weight, as torchmetrics does)
   * instead of the general batch state (which casts, masks NaNs and broadcasts weights). With weight 1 the
   * batch mean is a detached alias of the value (no kernel, no allocation). Not applied: the general path runs.
   */
  #addScalar(value: unknown, weight: unknown, withValue: boolean): FusedUpdate {
    if (!(value instanceof Tensor) || typeof weight !== "number") return { applied: false, value: null };
    const mean = this.stateTensor("mean_value");
    const total = this.stateTensor("weight");
    const fused = meanScalarUpdate(value, weight, mean, total, this.nanStrategy !== "disable", withValue);
    if (fused.applied) this.recordUpdate(fused.value === null ? null : keep(fused.value));
    return fused;
  }

  protected batchState(value: unknown, weight: unknown = 1): MetricState {
    const { x, mask } = this.cleaned(value, 0);
    let w = asTensor(weight, "float32", this.device, "MeanMetric.update(weight)");
    if (w.shape.join() !== x.shape.join()) w = w.expand(x.shape);
    if (mask !== null) w = w.mul(mask);
    return { mean_value: x.mul(w).sum(), weight: w.sum() };
  }
  protected mergeState(batch: MetricState): void {
    this.state.mean_value!.add_(batch.mean_value!);
    this.state.weight!.add_(batch.weight!);
  }
  protected computeFrom(state: MetricState): Tensor {
    return state.mean_value!.div(state.weight!);
  }
}

/** Sum of everything seen. */
export class SumMetric extends Aggregator {
  constructor(options?: AggregationOptions) {
    super(options, "sum_value", 0);
  }
  override update(value: unknown): void {
    super.update(value);
  }
  override forward(value: unknown): Tensor {
    return super.forward(value);
  }
  protected batchState(value: unknown): MetricState {
    return { sum_value: this.cleaned(value, 0).x.sum() };
  }
  protected mergeState(batch: MetricState): void {
    this.state.sum_value!.add_(batch.sum_value!);
  }
  protected computeFrom(state: MetricState): Tensor {
    return state.sum_value!.clone();
  }
}

/** MaxMetric and MinMetric: the extreme value seen (the opposite infinity before any update). */
abstract class ExtremeValue extends Aggregator {
  readonly #op: "max" | "min";
  readonly #stateName: string;
  readonly #empty: number;

  constructor(options: AggregationOptions | undefined, op: "max" | "min") {
    const empty = op === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    super(options, `${op}_value`, empty, op);
    this.#op = op;
    this.#stateName = `${op}_value`;
    this.#empty = empty;
  }
  override update(value: unknown): void {
    super.update(value);
  }
  override forward(value: unknown): Tensor {
    return super.forward(value);
  }
  protected batchState(value: unknown): MetricState {
    const { x } = this.cleaned(value, this.#empty);
    const extreme = x.numel() === 0 ? torch.tensor(this.#empty, { device: this.device }) : x[this.#op]();
    return { [this.#stateName]: extreme };
  }
  protected mergeState(batch: MetricState): void {
    const merge = this.#op === "max" ? torch.maximum : torch.minimum;
    this.setState(this.#stateName, merge(this.state[this.#stateName]!, batch[this.#stateName]!));
  }
  protected computeFrom(state: MetricState): Tensor {
    return state[this.#stateName]!.clone();
  }
}

/** Largest value seen (-inf before any update). */
export class MaxMetric extends ExtremeValue {
  constructor(options?: AggregationOptions) {
    super(options, "max");
  }
}

/** Smallest value seen (+inf before any update). */
export class MinMetric extends ExtremeValue {
  constructor(options?: AggregationOptions) {
    super(options, "min");
  }
}
