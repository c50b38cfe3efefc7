// The precision plugin (Lightning's plugins/precision): which precision a run really uses on its device, the
// autocast scope around the step methods, and, for "16-mixed", the GradScaler steps around backward and the
// optimizer step (Lightning's MixedPrecision).

import { autocast } from "../../torch/amp/autocast.js";
import { GradScaler } from "../../torch/amp/grad-scaler.js";
import { enableGrad } from "../../torch/autograd.js";
import { type DType, isFloatingDtype } from "../../torch/dtype.js";
import type { Module } from "../../torch/nn/module.js";
import type { Tensor } from "../../torch/tensor.js";
import type { Checkpoint } from "../callbacks/callback.js";
import type { DeviceChoice } from "./accelerator.js";
import type { ResolvedTrainerOptions } from "./options.js";
import type { Trainer } from "./trainer.js";
import type { OptimizerLike } from "./types.js";

/** A precision as the run uses it (after "16-mixed" on the CPU became "bf16-mixed"). */
export type Precision = ResolvedTrainerOptions["precision"];

/**
 * Lightning's rule (AcceleratorConnector._check_and_init_precision): fp16 AMP does not exist on the CPU, so
 * "16-mixed" there runs as "bf16-mixed" (with a warning, emitted by checkPrecision).
 */
export function effectivePrecision(options: ResolvedTrainerOptions, device: DeviceChoice): Precision {
  return options.precision === "16-mixed" && device.accelerator === "cpu" ? "bf16-mixed" : options.precision;
}

/** The dtype of parameters and inputs under the "true" precisions other than 32 (null: leave them float32). */
const TRUE_DTYPES: Partial<Record<Precision, DType>> = {
  "64-true": "float64",
  "16-true": "float16",
  "bf16-true": "bfloat16",
};

/**
 * Lightning's precision plugins: Precision (32-true), DoublePrecision (64-true), HalfPrecision (16-true,
 * bf16-true: parameters and floating inputs cast) and MixedPrecision (autocast, a GradScaler for 16-mixed).
 */
export class PrecisionPlugin {
  /** The GradScaler of "16-mixed" (null for every other precision, as in Lightning). */
  readonly scaler: GradScaler | null;
  readonly #autocastDtype: DType | null;
  readonly #castDtype: DType | null;
  readonly #deviceType: "cpu" | "cuda";
  readonly #wrapped = new WeakMap<OptimizerLike, OptimizerLike>();

  /** `scaler`: the GradScaler of "16-mixed" (default: a new one for the device, as Lightning makes). */
  constructor(
    readonly precision: Precision,
    device: DeviceChoice,
    scaler?: GradScaler,
  ) {
    this.#deviceType = device.accelerator;
    this.#autocastDtype =
      precision === "bf16-mixed" ? "bfloat16" : precision === "16-mixed" ? "float16" : null;
    this.#castDtype = TRUE_DTYPES[precision] ?? null;
    if (scaler !== undefined && precision !== "16-mixed") {
      throw new Error(`\`precision='${precision}'\` does not use a scaler, found a GradScaler.`);
    }
    this.scaler = precision === "16-mixed" ? (scaler ?? new GradScaler(this.#deviceType)) : null;
  }

  /** Lightning's checkpoint key for this plugin's state (its class's qualname). */
  get stateKey(): string {
    if (this.#autocastDtype !== null) return "MixedPrecision";
    if (this.precision === "64-true") return "DoublePrecision";
    return this.#castDtype === null ? "Precision" : "HalfPrecision";
  }

  /** Lightning's convert_module: parameters and floating buffers cast in place under 64/16/bf16-true. */
  convertModule<M extends Module>(module: M): M {
    if (this.#castDtype !== null) module.to(this.#castDtype);
    return module;
  }

  /**
   * Lightning's convert_input (before the batch-transfer hooks): floating tensors of a batch cast to the
   * parameters' dtype under 64/16/bf16-true; other tensors and values are returned as they are.
   */
  convertInput(batch: unknown): unknown {
    const dtype = this.#castDtype;
    if (dtype === null) return batch;
    const convert = (value: unknown, depth: number): unknown => {
      if (value === null || typeof value !== "object" || depth > 8) return value;
      const t = value as Tensor;
      if (typeof t.dispose === "function" && typeof t.isDisposed === "boolean") {
        return isFloatingDtype(t.dtype) && t.dtype !== dtype ? t.to(dtype) : t;
      }
      if (Array.isArray(value)) return value.map((v) => convert(v, depth + 1));
      if (Object.getPrototypeOf(value) !== Object.prototype) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = convert(v, depth + 1);
      return out;
    };
    return convert(batch, 0);
  }

  /** Runs a step method (training/validation/test/predict) inside autocast when mixed precision is on. */
  forwardContext<T>(fn: () => T): T {
    if (this.#autocastDtype === null) return fn();
    // Lightning disables the cast cache: weights change every step.
    return autocast(this.#deviceType, { dtype: this.#autocastDtype, cacheEnabled: false }, fn);
  }

  /** The tensor backward runs on: the loss times the scale under "16-mixed", else the loss itself. */
  preBackward(loss: Tensor): Tensor {
    return this.scaler === null ? loss : this.scaler.scale(loss);
  }

  /**
   * After the closure (backward done), before on_before_optimizer_step and clipping: unscale the gradients so
   * that hooks and clipping see their true values. A closure that skipped backward (null) needs none.
   */
  afterClosure(optimizer: OptimizerLike, closureResult: unknown): void {
    if (this.scaler === null || closureResult === null || closureResult === undefined) return;
    this.scaler.unscale_(optimizer as OptimizerLike & { paramGroups: { params?: Tensor[] }[] });
  }

  /**
   * The optimizer the optimizer_step hook receives: the optimizer itself, or under "16-mixed" a view whose
   * step(closure) runs the closure, then scaler.step (skipped on inf/NaN gradients) and scaler.update.
   */
  optimizerForStep(optimizer: OptimizerLike): OptimizerLike {
    const scaler = this.scaler;
    if (scaler === null) return optimizer;
    let view = this.#wrapped.get(optimizer);
    if (view === undefined) {
      const step = (closure?: () => unknown): unknown => {
        const result = closure === undefined ? undefined : enableGrad(closure);
        // Lightning: a skipped backward (the closure returned None) skips unscaling and stepping.
        if (closure !== undefined && (result === null || result === undefined)) return result;
        scaler.step(optimizer);
        scaler.update();
        return result;
      };
      view = new Proxy(optimizer, {
        get(target, prop) {
          if (prop === "step") return step;
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      this.#wrapped.set(optimizer, view);
    }
    return view;
  }

  /**
   * A step that a module asks for through its LightningOptimizer (Lightning's precision optimizer_step with a
   * manually optimized module): the closure, the scaler's unscale (always, as Lightning in manual optimization),
   * on_before_optimizer_step, then the step (scaler.step and update under "16-mixed").
   */
  optimizerStep(optimizer: OptimizerLike, closure: () => unknown, trainer: Trainer): unknown {
    const afterClosure = (): void => {
      trainer.hooks.callbacksStrict("onBeforeOptimizerStep", [optimizer]);
      trainer.hooks.moduleStrict("onBeforeOptimizerStep", optimizer);
    };
    const scaler = this.scaler;
    if (scaler === null) {
      return optimizer.step(() => {
        const result = closure();
        afterClosure();
        return result;
      });
    }
    const result = enableGrad(closure);
    scaler.unscale_(optimizer as OptimizerLike & { paramGroups: { params?: Tensor[] }[] });
    afterClosure();
    scaler.step(optimizer);
    scaler.update();
    return result;
  }

  /** The plugin's state for checkpoints: the scaler's state_dict, or {} (Lightning then writes no key). */
  stateDict(): Record<string, unknown> {
    return this.scaler === null ? {} : (this.scaler.stateDict() as Record<string, unknown>);
  }

  /** Restores the scaler from a stateDict(). */
  loadStateDict(state: Record<string, unknown>): void {
    this.scaler?.loadStateDict(state);
  }

  /** Frees the scaler's tensors (the scale itself is kept for a later fit). */
  dispose(): void {
    this.scaler?.dispose();
  }
}

const plugins = new WeakMap<Trainer, PrecisionPlugin>();

/** The trainer's precision plugin (Lightning's trainer.precision_plugin), made on first use. */
export function precisionPlugin(trainer: Trainer): PrecisionPlugin {
  let plugin = plugins.get(trainer);
  if (plugin === undefined) {
    plugin = new PrecisionPlugin(
      effectivePrecision(trainer.options, trainer.deviceChoice),
      trainer.deviceChoice,
    );
    plugins.set(trainer, plugin);
  }
  return plugin;
}

/**
 * Replaces the trainer's precision plugin before a stage runs: Lightning's `Trainer(plugins=[MixedPrecision(...)])`,
 * which bypasses the device check (e.g. fp16 with a GradScaler on the CPU).
 */
export function usePrecisionPlugin(trainer: Trainer, plugin: PrecisionPlugin): void {
  plugins.get(trainer)?.dispose();
  plugins.set(trainer, plugin);
}

/**
 * Lightning's `plugins` flag (one plugin, a list, or nothing): a PrecisionPlugin given there replaces the one
 * chosen from `precision`, as plugins=[MixedPrecision(...)] does.
 */
export function usePluginsOption(trainer: Trainer, given: unknown): void {
  const list = given === undefined || given === null ? [] : Array.isArray(given) ? given : [given];
  for (const plugin of list) if (plugin instanceof PrecisionPlugin) usePrecisionPlugin(trainer, plugin);
}

/** Adds the plugin's state to a checkpoint under Lightning's key, when it has one (dump_checkpoint). */
export function savePrecisionState(trainer: Trainer, checkpoint: Checkpoint): void {
  const plugin = precisionPlugin(trainer);
  const state = plugin.stateDict();
  if (Object.keys(state).length > 0) checkpoint[plugin.stateKey] = state;
}

/** Restores the plugin's state from a checkpoint (restore_precision_plugin_state, with the legacy key). */
export function restorePrecisionState(trainer: Trainer, checkpoint: Checkpoint): void {
  const plugin = precisionPlugin(trainer);
  const state =
    checkpoint[plugin.stateKey] ?? (plugin.scaler ? checkpoint.native_amp_scaling_state : undefined);
  if (state === undefined || state === null) return;
  plugin.loadStateDict(state instanceof Map ? Object.fromEntries(state) : (state as Record<string, unknown>));
}
