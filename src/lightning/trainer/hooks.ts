// Calling hooks the way Lightning's trainer/call.py does: callbacks before the module for paired hooks, the
// current hook name recorded (it decides self.log's defaults), each call timed by the profiler when enabled.
import { performance } from "node:perf_hooks";
import { Callback, type CallbackHookName } from "../callbacks/callback.js";
import { CheckpointCallback } from "../callbacks/checkpoint-callback.js";
import { EarlyStopping } from "../callbacks/early-stopping.js";
import type { LightningDataModule } from "../datamodule.js";
import { LightningModule } from "../module.js";
import type { SimpleProfiler } from "./profiler.js";

/** What the hook caller needs from the trainer. */
export interface HookHost {
  readonly callbacks: readonly Callback[];
  readonly lightningModule: LightningModule;
  readonly datamodule: LightningDataModule | null;
  readonly profiler: SimpleProfiler | null;
  /** The hook now running (self.log reads it); null outside hooks. */
  currentFxName: string | null;
}

type AnyFn = (...args: unknown[]) => unknown;

/** Whether `module` overrides `name` (Lightning's is_overridden): its method differs from the base class's. */
export function isOverridden(
  name: string,
  module: object,
  base: object = LightningModule.prototype,
): boolean {
  let own = (module as Record<string, unknown>)[name];
  // A wrapper that sets `__wrapped__` (as Python's functools.wraps) is transparent, as in Lightning.
  while (typeof own === "function" && typeof (own as { __wrapped__?: unknown }).__wrapped__ === "function") {
    own = (own as unknown as { __wrapped__: unknown }).__wrapped__;
  }
  if (typeof own !== "function") return false;
  return own !== (base as Record<string, unknown>)[name];
}

// LightningModule hooks whose base body does nothing (or returns its batch argument unchanged): when the module
// keeps the base version, calling it has no effect, so the per-batch paths skip it. Every Callback hook's base
// body is empty. With a profiler every call runs, since Lightning's profiler records each hook call.
const NO_OP_MODULE_HOOKS = new Set([
  "onTrainBatchStart",
  "onTrainBatchEnd",
  "onValidationBatchStart",
  "onValidationBatchEnd",
  "onTestBatchStart",
  "onTestBatchEnd",
  "onPredictBatchStart",
  "onPredictBatchEnd",
  "onBeforeBackward",
  "onAfterBackward",
  "onBeforeOptimizerStep",
  "onBeforeZeroGrad",
]);
const PASS_THROUGH_MODULE_HOOKS = new Set(["onBeforeBatchTransfer", "onAfterBatchTransfer"]);
const baseModule = LightningModule.prototype as unknown as Record<string, unknown>;
const baseCallback = Callback.prototype as unknown as Record<string, unknown>;

/** Calls trainer hooks in Lightning's order, awaiting async ones. */
export class HookCaller {
  constructor(private readonly host: HookHost) {}

  /**
   * Whether calling module hook `name` would have no effect (the base no-op or pass-through is in place and no
   * profiler records calls): a pass-through hook then returns its first argument unchanged.
   */
  skipsModuleHook(name: string): boolean {
    if (this.host.profiler !== null) return false;
    if (!NO_OP_MODULE_HOOKS.has(name) && !PASS_THROUGH_MODULE_HOOKS.has(name)) return false;
    const fn = (this.host.lightningModule as unknown as Record<string, unknown>)[name];
    return fn === baseModule[name];
  }

  /**
   * Runs `fn` with `fx` as the current hook name, timed as `action()` when profiling (an async hook until
   * its Promise settles; the name is built only then).
   */
  private withFx<T>(fx: string, action: () => string, fn: () => T): T {
    const previous = this.host.currentFxName;
    this.host.currentFxName = fx;
    const profiler = this.host.profiler;
    const t0 = profiler === null ? 0 : performance.now();
    let result: T | undefined;
    try {
      result = fn();
      return result;
    } finally {
      this.host.currentFxName = previous;
      if (profiler !== null) {
        const record = () => profiler.record(action(), (performance.now() - t0) / 1000);
        if (result instanceof Promise) result.then(record, record);
        else record();
      }
    }
  }

  /**
   * Calls a LightningModule hook (if the module defines it) and returns its result: a Promise only when the
   * hook returned one (await it either way; a synchronous hook costs no extra turn of the microtask queue).
   */
  module(name: string, ...args: unknown[]): unknown {
    return this.moduleSync(name, ...args);
  }

  /** Calls a module hook synchronously (for hooks inside a tidy scope); a Promise result is an error. */
  moduleSync(name: string, ...args: unknown[]): unknown {
    const module = this.host.lightningModule;
    const fn = (module as unknown as Record<string, AnyFn | undefined>)[name];
    if (typeof fn !== "function") return undefined;
    if (this.host.profiler === null && fn === baseModule[name] && NO_OP_MODULE_HOOKS.has(name))
      return undefined;
    return this.withFx(
      name,
      () => `[LightningModule]${module.constructor.name}.${name}`,
      () => fn.apply(module, args),
    );
  }

  /** Calls a module hook inside a synchronous step; an async override is rejected with a clear error. */
  moduleStrict(name: string, ...args: unknown[]): unknown {
    const result = this.moduleSync(name, ...args);
    if (result instanceof Promise) throw asyncHookError(`LightningModule.${name}`);
    return result;
  }

  /** Calls a datamodule hook when the datamodule defines it; returns its result. */
  async datamodule(name: string, ...args: unknown[]): Promise<unknown> {
    const dm = this.host.datamodule;
    if (dm === null) return undefined;
    const fn = (dm as unknown as Record<string, AnyFn | undefined>)[name];
    if (typeof fn !== "function") return undefined;
    const result = this.withFx(
      name,
      () => `[LightningDataModule]${dm.constructor.name}.${name}`,
      () => fn.apply(dm, args),
    );
    return result instanceof Promise ? await result : result;
  }

  /**
   * Calls `name` on every callback with (trainer, module, ...args). `monitoring` selects only (true) or all
   * but (false) the callbacks that monitor metrics (ModelCheckpoint, EarlyStopping), as Lightning does for
   * on_train_epoch_end so they see what the module's hook logged.
   */
  callbacks(name: CallbackHookName, args: unknown[] = [], monitoring?: boolean): Promise<void> | undefined {
    return this.callbacksFrom(this.host.callbacks, 0, name, args, monitoring);
  }

  // Runs the callbacks from index `from` on, one after the other; returns a Promise only once a hook returned
  // one (the rest then wait for it), so a batch of synchronous hooks costs no Promise at all.
  private callbacksFrom(
    list: readonly Callback[],
    from: number,
    name: CallbackHookName,
    args: unknown[],
    monitoring: boolean | undefined,
  ): Promise<void> | undefined {
    for (let i = from; i < list.length; i++) {
      const cb = list[i]!;
      if (monitoring !== undefined && isMonitoringCallback(cb) !== monitoring) continue;
      const result = this.callOne(cb, name, args);
      if (result instanceof Promise)
        return result.then(() => this.callbacksFrom(list, i + 1, name, args, monitoring));
    }
    return undefined;
  }

  /** Calls a callback hook on every callback synchronously (inside a step); async hooks are an error. */
  callbacksStrict(name: CallbackHookName, args: unknown[] = []): void {
    for (const cb of this.host.callbacks) {
      const result = this.callOne(cb, name, args);
      if (result instanceof Promise) throw asyncHookError(`${cb.constructor.name}.${name}`);
    }
  }

  private callOne(cb: Callback, name: CallbackHookName, args: unknown[]): unknown {
    const fn = (cb as unknown as Record<string, AnyFn>)[name]!;
    // The base Callback's hooks are empty: skip them (unless a profiler records every call).
    if (fn === baseCallback[name] && this.host.profiler === null) return undefined;
    const trainer = this.host.lightningModule.trainer;
    return this.withFx(
      name,
      () => `[Callback]${cb.stateKey}.${name}`,
      () => fn.call(cb, trainer, this.host.lightningModule, ...args),
    );
  }
}

/** The callbacks that monitor metrics (Lightning: isinstance(cb, (EarlyStopping, Checkpoint))). */
export function isMonitoringCallback(cb: Callback): boolean {
  return cb instanceof CheckpointCallback || cb instanceof EarlyStopping;
}

/** Whether `cb` saves checkpoints (Lightning's `Checkpoint` subclasses: ModelCheckpoint). */
export function isCheckpointCallback(cb: Callback): cb is CheckpointCallback {
  return cb instanceof CheckpointCallback;
}

function asyncHookError(where: string): Error {
  return new Error(
    `${where} returned a Promise, but it runs inside the synchronous optimizer step (a tidy scope that frees ` +
      "the step's tensors). Make it synchronous, or do the async work in onTrainBatchEnd.",
  );
}
