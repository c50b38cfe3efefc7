// Calling hooks the way Lightning's trainer/call.py does: callbacks before the module for paired hooks, the
// current hook name recorded (it decides self.log's defaults), each call timed by the profiler when enabled.
import { performance } from "node:perf_hooks";
import type { Callback, CallbackHookName } from "../callbacks/callback.js";
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

/** Calls trainer hooks in Lightning's order, awaiting async ones. */
export class HookCaller {
  constructor(private readonly host: HookHost) {}

  /**
   * Runs `fn` with `fx` as the current hook name, timed as `action` when profiling (an async hook until
   * its Promise settles).
   */
  private withFx<T>(fx: string, action: string, fn: () => T): T {
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
        const record = () => profiler.record(action, (performance.now() - t0) / 1000);
        if (result instanceof Promise) result.then(record, record);
        else record();
      }
    }
  }

  /** Calls a LightningModule hook (if the module defines it) and returns its result, awaited. */
  async module(name: string, ...args: unknown[]): Promise<unknown> {
    const result = this.moduleSync(name, ...args);
    return result instanceof Promise ? await result : result;
  }

  /** Calls a module hook synchronously (for hooks inside a tidy scope); a Promise result is an error. */
  moduleSync(name: string, ...args: unknown[]): unknown {
    const module = this.host.lightningModule;
    const fn = (module as unknown as Record<string, AnyFn | undefined>)[name];
    if (typeof fn !== "function") return undefined;
    return this.withFx(name, `[LightningModule]${module.constructor.name}.${name}`, () =>
      fn.apply(module, args),
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
    const result = this.withFx(name, `[LightningDataModule]${dm.constructor.name}.${name}`, () =>
      fn.apply(dm, args),
    );
    return result instanceof Promise ? await result : result;
  }

  /**
   * Calls `name` on every callback with (trainer, module, ...args). `monitoring` selects only (true) or all
   * but (false) the callbacks that monitor metrics (ModelCheckpoint, EarlyStopping), as Lightning does for
   * on_train_epoch_end so they see what the module's hook logged.
   */
  async callbacks(name: CallbackHookName, args: unknown[] = [], monitoring?: boolean): Promise<void> {
    for (const cb of this.host.callbacks) {
      if (monitoring !== undefined && isMonitoringCallback(cb) !== monitoring) continue;
      const result = this.callOne(cb, name, args);
      if (result instanceof Promise) await result;
    }
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
    const trainer = this.host.lightningModule.trainer;
    return this.withFx(name, `[Callback]${cb.stateKey}.${name}`, () =>
      fn.call(cb, trainer, this.host.lightningModule, ...args),
    );
  }
}

/** ModelCheckpoint and EarlyStopping (found by class name anywhere in the prototype chain). */
export function isMonitoringCallback(cb: Callback): boolean {
  for (let proto = Object.getPrototypeOf(cb); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto.constructor as { name?: string }).name;
    if (name === "ModelCheckpoint" || name === "Checkpoint" || name === "EarlyStopping") return true;
  }
  return false;
}

/** Whether `cb` is a checkpointing callback (Lightning's `Checkpoint` subclasses). */
export function isCheckpointCallback(cb: Callback): boolean {
  for (let proto = Object.getPrototypeOf(cb); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto.constructor as { name?: string }).name;
    if (name === "ModelCheckpoint" || name === "Checkpoint") return true;
  }
  return false;
}

function asyncHookError(where: string): Error {
  return new Error(
    `${where} returned a Promise, but it runs inside the synchronous optimizer step (a tidy scope that frees ` +
      "the step's tensors). Make it synchronous, or do the async work in onTrainBatchEnd.",
  );
}
