// nn.Module: the base class of layers and models (PyTorch's semantics and names, camelCase).
//
// Registration by assignment: a module's state IS its own properties. Any own property holding a Module is a
// submodule and any own property holding a Parameter is a parameter, in property order (declaration or
// assignment order; PyTorch's attribute order). Buffers are plain tensors, so they are declared with
// registerBuffer(name, t) (which assigns the property and remembers the name). This is read when traversed, so
// it works with class fields, reassignment (`this.fc = new Linear(..)`) and removal (`this.bias = null`), and
// needs no Proxy (which would break `#private` fields and slow every property read on hot paths).
// Containers (Sequential, ModuleList, ModuleDict) keep their children in an ordered Map instead.
import type { Device, DType } from "../dtype.js";
import { isFloatingDtype } from "../dtype.js";
import { native } from "../native.js";
import { keep } from "../scope.js";
import { Tensor } from "../tensor.js";
import { indentTail } from "./module-repr.js";
import { Parameter } from "./parameter.js";
import { type LoadStateDictResult, loadStateDict, type StateDictInput, stateDict } from "./state-dict.js";

const meta: unique symbol = Symbol("kiln.nn.module");

/** Where Module.to() moves parameters and buffers. */
export type ModuleTarget = DType | Device | string | { dtype?: DType; device?: Device | string };

/** Parameter counts of a model (total = trainable + nonTrainable; shared parameters count once). */
export interface ParameterCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

const dtypeNames = new Set(["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8"]);

/**
 * Base class of all layers and models. Subclasses assign submodules and Parameters to properties, register
 * buffers with registerBuffer, and override forward(). Run a module with `m.call(x)` (or `m.forward(x)`):
 * JS objects cannot be callable, so `call` is Kiln's `m(x)`.
 */
export class Module {
  /** Whether the module is in training mode (train()/eval() set it on the whole tree). */
  training = true;
  /** Buffer names (and whether each is persistent, i.e. saved in stateDict). Symbol-keyed: never scanned. */
  readonly [meta] = { buffers: new Map<string, boolean>() };

  /** The computation; subclasses override it with their own signature. */
  forward(..._args: never[]): unknown {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** Runs forward() (PyTorch's `module(x)`); typed after the subclass's forward. */
  call<M extends Module>(this: M, ...args: Parameters<M["forward"]>): ReturnType<M["forward"]> {
    return (this.forward as (...a: unknown[]) => ReturnType<M["forward"]>)(...args);
  }

  // ---- registration ---------------------------------------------------------------------------------------

  /** Adds (or replaces, or with null removes) a submodule under `name`. */
  registerModule(name: string, module: Module | null): void {
    checkName(name, this);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  /** Adds a parameter (null declares an absent optional one, like PyTorch's `register_parameter("bias", None)`). */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(name, this);
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /**
   * Adds a buffer: state that is not trained (running statistics). The module takes ownership (the tensor is
   * exempt from tidy and freed by dispose()). Non-persistent buffers are left out of stateDict().
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } = {}): void {
    checkName(name, this);
    if (tensor !== null) keep(tensor);
    this[meta].buffers.set(name, opts.persistent ?? true);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  // ---- traversal (each returns an array; PyTorch's generators) -------------------------------------------

  /** Direct submodules with their names, in registration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, value] of Object.entries(this)) if (value instanceof Module) out.push([name, value]);
    return out;
  }

  /** Direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it with dotted names ("" for this one); each module once. */
  namedModules(prefix = "", memo: Set<Module> = new Set()): [string, Module][] {
    if (memo.has(this)) return [];
    memo.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix === "" ? name : `${prefix}.${name}`, memo));
    }
    return out;
  }

  /** This module and all below it. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters registered directly on this module (null entries are declared-absent ones). */
  localParameters(): [string, Parameter | null][] {
    const out: [string, Parameter | null][] = [];
    for (const [name, value] of Object.entries(this)) if (value instanceof Parameter) out.push([name, value]);
    return out;
  }

  /** Buffers registered directly on this module, with whether each is persistent. */
  localBuffers(): [string, Tensor | null, boolean][] {
    const self = this as unknown as Record<string, unknown>;
    const out: [string, Tensor | null, boolean][] = [];
    for (const [name, persistent] of this[meta].buffers) {
      const value = self[name];
      if (value instanceof Tensor || value === null) out.push([name, value, persistent]);
    }
    return out;
  }

  /** All parameters with dotted names (`model.0.weight`); shared parameters appear once. */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    return this.collect(opts, (m) => m.localParameters());
  }

  /** All parameters (what an optimizer takes). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  /** All buffers with dotted names; shared ones appear once. */
  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this.collect(opts, (m) => m.localBuffers().map(([n, t]) => [n, t] as [string, Tensor | null]));
  }

  /** All buffers. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  private collect<T extends Tensor>(
    opts: { prefix?: string; recurse?: boolean },
    local: (m: Module) => [string, T | null][],
  ): [string, T][] {
    const prefix = opts.prefix ?? "";
    const mods: [string, Module][] = opts.recurse === false ? [[prefix, this]] : this.namedModules(prefix);
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [modName, mod] of mods) {
      for (const [name, t] of local(mod)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([modName === "" ? name : `${modName}.${name}`, t]);
      }
    }
    return out;
  }

  // ---- modes and bulk operations -------------------------------------------------------------------------

  /** Sets training mode on this module and every submodule; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (train(false)): dropout off, batch norm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every submodule (children first, as PyTorch) and then on this one; returns this. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets requiresGrad on every parameter (freezing with false); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Clears gradients: unset (default, as PyTorch 2) or zeroed in place with setToNone=false. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) p.zeroGrad(opts.setToNone ?? true);
  }

  /**
   * Moves parameters and buffers (and gradients) to a dtype and/or device IN PLACE: every Parameter object
   * stays the same (optimizers built before keep working), as PyTorch's `param.data = ...`. A dtype applies to
   * floating tensors only (integer buffers like num_batches_tracked keep theirs). Returns this.
   */
  to(target: ModuleTarget): this {
    let dtype: string | undefined;
    let device: string | undefined;
    if (typeof target === "string") {
      if (dtypeNames.has(target)) dtype = target;
      else device = target;
    } else {
      dtype = target.dtype;
      device = target.device;
    }
    if (dtype !== undefined && !isFloatingDtype(dtype as DType)) {
      throw new Error(`Module.to only accepts floating point dtypes, but got desired dtype=${dtype}`);
    }
    const tensors = new Set<Tensor>([...this.parameters(), ...this.buffers()]);
    for (const t of tensors) native().initMoveTo_(t.handle, dtype, device);
    return this;
  }

  /** Moves to the CPU (see to()). */
  cpu(): this {
    return this.to("cpu");
  }

  /** Moves to a GPU (see to()). */
  cuda(index?: number): this {
    return this.to(index === undefined ? "cuda" : `cuda:${index}`);
  }

  /** Casts floating parameters and buffers to float64. */
  double(): this {
    return this.to("float64");
  }

  /** Casts floating parameters and buffers to float32. */
  float(): this {
    return this.to("float32");
  }

  /** Casts floating parameters and buffers to float16. */
  half(): this {
    return this.to("float16");
  }

  /** Frees every parameter and buffer of the tree now; the module is unusable afterwards. */
  dispose(): void {
    for (const t of new Set<Tensor>([...this.parameters(), ...this.buffers()])) t.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- state ---------------------------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by PyTorch's key names (`net.model.0.weight`, `bn.running_mean`), in
   * PyTorch's order. Values are detached aliases (sharing storage) that the caller owns: dispose them or call
   * inside torch.tidy. keepVars returns the Parameter/buffer objects themselves (do not dispose those).
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): Map<string, Tensor> {
    return stateDict(this, opts.prefix ?? "", opts.keepVars ?? false);
  }

  /**
   * Copies a state dict into this module's parameters and buffers in place. With strict (default) missing
   * and unexpected keys are errors; size mismatches always are. Nothing is copied when there is any error.
   */
  loadStateDict(sd: StateDictInput, opts: { strict?: boolean } = {}): LoadStateDictResult {
    return loadStateDict(this, sd, opts.strict ?? true);
  }

  /** Keys of this module's own state that a checkpoint may omit (BatchNorm's num_batches_tracked). */
  optionalStateKeys(): string[] {
    return [];
  }

  /** Parameter counts: total, trainable (requiresGrad) and non-trainable. */
  countParameters(): ParameterCounts {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      const n = p.numel();
      total += n;
      if (p.requiresGrad) trainable += n;
    }
    return { total, trainable, nonTrainable: total - trainable };
  }

  // ---- printing ------------------------------------------------------------------------------------------

  /** The layer's settings for toString(), as PyTorch's extra_repr (e.g. "in_features=4, out_features=3"). */
  extraRepr(): string {
    return "";
  }

  /** PyTorch's module printout: `Name(extra)` or a tree of `(name): Child(...)` lines. */
  toString(): string {
    const extraLines = this.extraRepr() === "" ? [] : this.extraRepr().split("\n");
    const childLines = this.namedChildren().map(([name, m]) => `(${name}): ${indentTail(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let body = "";
    if (lines.length > 0) {
      body =
        extraLines.length === 1 && childLines.length === 0 ? extraLines[0]! : `\n  ${lines.join("\n  ")}\n`;
    }
    return `${this.constructor.name}(${body})`;
  }
}

/** Counts the parameters of a module (total / trainable / non-trainable). */
export function countParameters(module: Module): ParameterCounts {
  return module.countParameters();
}

function checkName(name: string, module: Module): void {
  if (name === "" || name.includes(".")) {
    throw new Error(
      `${module.constructor.name}: module, parameter and buffer names must be non-empty and contain no "." (got "${name}")`,
    );
  }
}
