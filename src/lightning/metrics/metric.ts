/**
 * The Metric base class (torchmetrics semantics): state tensors accumulated by update(), the epoch value from
 * compute() (cached until the next update or reset), reset(), and forward() that returns the value of the
 * current batch alone while also accumulating it. A Metric is an nn.Module, so it shows in model summaries and
 * moves with `.to(device)`; its state also follows the device of the inputs it is given.
 *
 * Memory (docs/ARCHITECTURE.md, "Memory model"): every intermediate is created inside torch.tidy; the state tensors, the cached
 * compute() value and the last forward() value are owned by the metric (kept, freed when replaced, on reset or
 * dispose). Callers must not dispose what compute()/forward() return; clone it to keep it past the next call.
 */

import { noGrad } from "../../torch/autograd.js";
import { tensor } from "../../torch/creation.js";
import { allReduceCoalesced, getWorldSize, isInitialized } from "../../torch/distributed/index.js";
import { Module } from "../../torch/nn/module.js";
import { keep, tidy } from "../../torch/scope.js";
import { Tensor, type TensorLike } from "../../torch/tensor.js";
import { emitWarning } from "../callbacks/messages.js";

/** Anything a metric accepts as an input: a tensor, a number, or nested arrays of numbers. */
export type MetricInput = TensorLike | number[] | number[][];

/** The accumulated state of a metric, by state name. */
export type MetricState = Record<string, Tensor>;

/** How a state combines across processes (torchmetrics' dist_reduce_fx). */
export type StateReduce = "sum" | "max" | "min";

/** Base class of metrics: implement batchState, mergeState and computeFrom. */
export abstract class Metric extends Module {
  /** Lightning reads this for step-level logging: the value of the last forward() call. */
  forwardCache: Tensor | null = null;
  #computed: Tensor | null = null;
  #updateCount = 0;
  // The device of the first state tensor, cached by that tensor's identity (a tensor never changes device,
  // and reading it is a native call that every update would otherwise pay).
  #deviceOf: Tensor | null = null;
  #deviceName = "cpu";
  readonly #stateNames: string[] = [];
  readonly #defaults = new Map<string, () => Tensor>();
  readonly #reduces = new Map<string, StateReduce>();
  /** torchmetrics' sync_on_compute: in a multi-process run compute() combines every process's state. */
  syncOnCompute = true;

  /**
   * Declares a state tensor (a non-persistent buffer, as torchmetrics keeps states out of state_dict) and how
   * it combines across processes.
   */
  protected addState(name: string, makeDefault: () => Tensor, reduce: StateReduce = "sum"): void {
    this.#stateNames.push(name);
    this.#defaults.set(name, makeDefault);
    this.#reduces.set(name, reduce);
    this.registerBuffer(name, makeDefault(), { persistent: false });
  }

  /** The current state tensors (owned by the metric). */
  protected get state(): MetricState {
    const self = this as unknown as Record<string, Tensor>;
    return Object.fromEntries(this.#stateNames.map((n) => [n, self[n]!]));
  }

  /** One state tensor (owned by the metric). */
  protected stateTensor(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name]!;
  }

  /** Replaces one state tensor (the old one is freed; the new one becomes the metric's). */
  protected setState(name: string, value: Tensor): void {
    const self = this as unknown as Record<string, Tensor>;
    const old = self[name];
    this.registerBuffer(name, value, { persistent: false });
    if (old !== undefined && old !== value) old.dispose();
  }

  /** The state that one batch alone would produce (new tensors, inside the caller's tidy scope). */
  protected abstract batchState(...args: unknown[]): MetricState;
  /** Folds a batch state into the accumulated state (torchmetrics' dist_reduce_fx: sum, max, min). */
  protected abstract mergeState(batch: MetricState): void;
  /** The metric value for a state (a new 0-d tensor unless the metric returns per-class values). */
  protected abstract computeFrom(state: MetricState): Tensor;

  /** The device of the state tensors. */
  get device(): string {
    const first = this.#stateNames[0];
    if (first === undefined) return "cpu";
    const t = (this as unknown as Record<string, Tensor>)[first]!;
    if (t !== this.#deviceOf) {
      this.#deviceName = t.device;
      this.#deviceOf = t;
    }
    return this.#deviceName;
  }

  /** Number of update()/forward() calls since the last reset. */
  get updateCount(): number {
    return this.#updateCount;
  }

  /** Accumulates one batch. */
  update(...args: unknown[]): void {
    // As torchmetrics (enable_grad=False): states never join the autograd graph of a loss they are given.
    noGrad(() =>
      tidy(() => {
        this.followDevice(args);
        this.mergeState(this.batchState(...args));
      }),
    );
    this.recordUpdate(null);
  }

  /** Accumulates one batch and returns the metric on that batch alone (owned by the metric). */
  override forward(...args: unknown[]): Tensor {
    const value = noGrad(() =>
      tidy(() => {
        this.followDevice(args);
        const batch = this.batchState(...args);
        const v = keep(this.computeFrom(batch));
        this.mergeState(batch);
        return v;
      }),
    );
    this.recordUpdate(value);
    return value;
  }

  /**
   * The bookkeeping of one update or forward (for subclasses' fast paths that fold a batch in without a batch
   * state): counts it, drops the cached compute() and, from forward, makes `value` the metric's forwardCache.
   */
  protected recordUpdate(value: Tensor | null): void {
    this.#updateCount += 1;
    this.#dropComputed();
    if (value === null) return;
    this.forwardCache?.dispose();
    this.forwardCache = value;
  }

  /** The metric over everything accumulated since the last reset (cached; owned by the metric). */
  compute(): Tensor {
    if (this.#updateCount === 0) {
      emitWarning(
        `The \`\`compute\`\` method of metric ${this.constructor.name} was called before the \`\`update\`\` method ` +
          "which may lead to errors, as metric states have not yet been updated.",
      );
    }
    if (this.#computed === null || this.#computed.isDisposed) {
      this.#computed = noGrad(() => tidy(() => keep(this.computeFrom(this.#syncedState()))));
    }
    return this.#computed;
  }

  /**
   * The state to compute from: this process's own, or in a multi-process run (every process calls compute()
   * at the same point, as in torchmetrics) the states of all processes combined by their reduce ops, leaving
   * the local states untouched (torchmetrics' sync then unsync).
   */
  #syncedState(): MetricState {
    const local = this.state;
    if (!this.syncOnCompute || !isInitialized() || getWorldSize() <= 1) return local;
    const synced: MetricState = {};
    for (const op of ["sum", "max", "min"] as const) {
      const names = this.#stateNames.filter((n) => this.#reduces.get(n) === op);
      if (names.length === 0) continue;
      const copies = names.map((n) => local[n]!.clone());
      allReduceCoalesced(copies, op);
      names.forEach((n, i) => {
        synced[n] = copies[i]!;
      });
    }
    return synced;
  }

  /** Back to the initial state (on the current device). */
  reset(): void {
    const device = this.device;
    for (const name of this.#stateNames) {
      const fresh = this.#defaults.get(name)!();
      this.setState(name, device === "cpu" ? fresh : moveAndFree(fresh, device));
    }
    this.#updateCount = 0;
    this.#dropComputed();
    this.forwardCache?.dispose();
    this.forwardCache = null;
  }

  override dispose(): void {
    this.#dropComputed();
    this.forwardCache?.dispose();
    this.forwardCache = null;
    super.dispose();
  }

  #dropComputed(): void {
    this.#computed?.dispose();
    this.#computed = null;
  }

  /** Moves the states to the device of the first tensor in `args` (torchmetrics keeps them on the metric's). */
  protected followDevice(args: unknown[]): void {
    const input = args.find((a): a is Tensor => a instanceof Tensor);
    if (input === undefined) return;
    const device = input.device;
    if (device === this.device) return;
    for (const name of this.#stateNames) {
      this.setState(name, (this as unknown as Record<string, Tensor>)[name]!.to(device));
    }
  }
}

function moveAndFree(t: Tensor, device: string): Tensor {
  const moved = t.to(device);
  t.dispose();
  return moved;
}

/** An input as a tensor of `dtype` on `device` (numbers and arrays are converted; tensors cast when needed). */
export function asTensor(
  value: unknown,
  dtype: "float32" | "int64" | null,
  device: string,
  what: string,
): Tensor {
  if (value instanceof Tensor) {
    const needsDtype = dtype !== null && value.dtype !== dtype;
    if (!needsDtype && value.device === device) return value;
    return value.to({ dtype: needsDtype ? dtype : undefined, device });
  }
  if (typeof value === "number" || typeof value === "boolean" || Array.isArray(value)) {
    return tensor(value as number[], { dtype: dtype ?? "float32", device });
  }
  throw new TypeError(`${what} must be a tensor, a number or an array of numbers, got ${typeof value}`);
}

/**
 * torchmetrics' _safe_divide for counts: num / denom as float, 0 where denom is 0, in two ops. Valid when
 * denom holds whole numbers >= 0 (counts, sums of 0/1 weights) and num is 0 wherever denom is: then dividing
 * by max(denom, 1) gives the same values as the general safeDivide below.
 */
export function divideCounts(num: Tensor, denom: Tensor): Tensor {
  // True division of integer tensors gives float32 computed as float(num) / float(denom), as torchmetrics does.
  return num.div(denom.clamp(1));
}

/** torchmetrics' _safe_divide: num / denom as float, 0 where denom is 0. */
export function safeDivide(num: Tensor, denom: Tensor): Tensor {
  return tidy(() => {
    const n = num.to("float32");
    const d = denom.to("float32");
    const zero = d.eq(0);
    return n.div(d.add(zero.to("float32"))).mul(zero.logicalNot().to("float32"));
  });
}
