// LightningOptimizer (Lightning's core/optimizer.py): what `this.optimizers()` hands a module. It is the optimizer
// (param groups, state, zeroGrad pass through) whose step() goes through the precision plugin (a GradScaler
// unscales, steps and updates under "16-mixed"), calls on_before_optimizer_step, and tells the manual
// optimization loop before and after, which is how a manually optimized fit counts its global steps.
import type { Tensor } from "../torch/tensor.js";
import type { Trainer } from "./trainer/trainer.js";
import type { OptimizerLike } from "./trainer/types.js";

/** Called around each step (the manual optimization loop counts steps with them). */
export interface StepObserver {
  onBeforeStep(): void;
  onAfterStep(): void;
}

const BRAND = Symbol("kiln.LightningOptimizer");

/**
 * An optimizer wrapped for a LightningModule. Like Lightning's (whose class subclasses the optimizer's), it is
 * still an instance of the optimizer's class: a view of the optimizer in which only `step` and `optimizer` differ.
 */
export type LightningOptimizer<O extends OptimizerLike = OptimizerLike> = O & {
  /** The wrapped optimizer. */
  readonly optimizer: O;
  /** Set by the manual optimization loop (Lightning's _on_before_step/_on_after_step). */
  observer: StepObserver | null;
};

/** Whether `value` is a LightningOptimizer view (a brand, not a class name). */
export function isLightningOptimizer(value: unknown): value is LightningOptimizer {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The optimizer itself, whether given wrapped or not. */
export function unwrapOptimizer(optimizer: OptimizerLike): OptimizerLike {
  return isLightningOptimizer(optimizer) ? optimizer.optimizer : optimizer;
}

function wrap(optimizer: OptimizerLike, trainer: Trainer): LightningOptimizer {
  const state = { observer: null as StepObserver | null };
  /**
   * Steps the optimizer through the precision plugin (Lightning's strategy.optimizer_step): `closure` (if any)
   * runs first, then the scaler's unscale, on_before_optimizer_step, and the step (skipped by the scaler on
   * inf/NaN gradients; it still counts, as in Lightning).
   */
  const step = (closure?: () => unknown): unknown => {
    if (closure !== undefined && typeof closure !== "function") {
      throw new TypeError("When `optimizer.step(closure)` is called, the closure should be callable");
    }
    state.observer?.onBeforeStep();
    const result = trainer.profiledCall("optimizer_step", () =>
      trainer.precisionPlugin.optimizerStep(optimizer, closure ?? (() => null), trainer),
    );
    state.observer?.onAfterStep();
    return result;
  };
  return new Proxy(optimizer, {
    get(target, prop) {
      if (prop === "step") return step;
      if (prop === "optimizer") return target;
      if (prop === "observer") return state.observer;
      if (prop === BRAND) return true;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(target, prop, value) {
      if (prop === "observer") {
        state.observer = value as StepObserver | null;
        return true;
      }
      return Reflect.set(target, prop, value, target);
    },
  }) as LightningOptimizer;
}

/** The wrappers of the trainer's optimizers (Lightning's strategy._lightning_optimizers), made once each. */
export function lightningOptimizers(trainer: Trainer): LightningOptimizer[] {
  let cache = wrappers.get(trainer);
  if (cache === undefined) {
    cache = new WeakMap();
    wrappers.set(trainer, cache);
  }
  return trainer.optimizers.map((opt) => {
    if (isLightningOptimizer(opt)) return opt;
    let wrapped = cache.get(opt);
    if (wrapped === undefined) {
      wrapped = wrap(opt, trainer);
      cache.set(opt, wrapped);
    }
    return wrapped;
  });
}

const wrappers = new WeakMap<Trainer, WeakMap<OptimizerLike, LightningOptimizer>>();

/**
 * Lightning's toggle_optimizer: every optimizer's parameters stop requiring gradients except `optimizer`'s, which
 * keep what they had. Returns the saved requiresGrad of every parameter, for untoggleOptimizer.
 */
export function toggleOptimizer(
  all: readonly OptimizerLike[],
  optimizer: OptimizerLike,
): Map<Tensor, boolean> {
  const saved = new Map<Tensor, boolean>();
  for (const opt of all) {
    for (const group of opt.paramGroups) {
      for (const param of group.params ?? []) {
        if (saved.has(param)) continue;
        saved.set(param, param.requiresGrad);
        param.requiresGrad = false;
      }
    }
  }
  for (const group of optimizer.paramGroups) {
    for (const param of group.params ?? []) param.requiresGrad = saved.get(param) ?? param.requiresGrad;
  }
  return saved;
}

/** Lightning's untoggle_optimizer: the other optimizers' parameters get their saved requiresGrad back. */
export function untoggleOptimizer(
  all: readonly OptimizerLike[],
  optimizer: OptimizerLike,
  saved: ReadonlyMap<Tensor, boolean>,
): void {
  const target = unwrapOptimizer(optimizer);
  for (const opt of all) {
    if (unwrapOptimizer(opt) === target) continue;
    for (const group of opt.paramGroups) {
      for (const param of group.params ?? []) {
        const state = saved.get(param);
        if (state !== undefined) param.requiresGrad = state;
      }
    }
  }
}
