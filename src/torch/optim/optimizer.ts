/**
 * Optimizer: PyTorch's optimizer base class (torch/optim/optimizer.py, 2.13) over Kiln's fused native steps.
 * Param groups, per-parameter state keyed by the parameter tensor, zero_grad, state_dict/load_state_dict in
 * PyTorch's format. A step crosses into C++ once per param group (docs/ARCHITECTURE.md, "Facts"): the native
 * side reads each parameter's gradient, skips parameters without one, creates missing state and updates
 * everything there.
 */
import { enableGrad } from "../autograd.js";
import { type Handle, native } from "../native.js";
import { keep } from "../scope.js";
import { Tensor } from "../tensor.js";
import { copyOptionValue, type OptionSpec, readGroupOptions } from "./options.js";
import { loadOptimizerState, type OptimizerStateDict, packStateDict } from "./state-dict.js";

declare module "../native.js" {
  interface NativeAddon {
    zeroGrads(params: Handle[], setToNone: boolean): void;
  }
}

/** One param group: its parameters, lr and the optimizer's other options (snake_case, as in PyTorch). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  /** Written by LR schedulers (PyTorch's `initial_lr`). */
  initial_lr?: number;
}

/** A param group as given to the constructor or addParamGroup: params plus any options to override. */
export type ParamGroupInput<O> = { params: Tensor | Iterable<Tensor> } & Partial<O> & Record<string, unknown>;

/** What an optimizer is built from: parameters, or param groups with their own options. */
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Per-parameter state (PyTorch's `optimizer.state[p]`): `step`, `exp_avg`, `momentum_buffer`, ... */
export type ParamState = Record<string, Tensor>;

/** What a fused native step returns: handles of the state tensors it created, per (param, slot), or null. */
export type CreatedState = (Handle | null)[] | null;

/** Base class of Kiln's optimizers. Subclasses name their state slots and call their native step. */
export abstract class Optimizer<G extends ParamGroup = ParamGroup, O extends object = object> {
  /** The constructor options with PyTorch's defaults filled in. */
  readonly defaults: O;
  /** The param groups; set `lr` (or any option) on a group to change it for the next step. */
  readonly paramGroups: G[] = [];
  /** Per-parameter state, keyed by the parameter tensor; the optimizer owns (and disposes) these tensors. */
  state = new Map<Tensor, ParamState>();

  /**
   * @param className PyTorch's class name, for messages.
   * @param stateKeys The state slots the native step reads and creates, in PyTorch's key order.
   */
  protected constructor(
    readonly className: string,
    params: ParamsInput<O>,
    defaults: O,
    private readonly specs: readonly OptionSpec[],
    protected readonly stateKeys: readonly string[],
  ) {
    this.defaults = defaults;
    if (
      params instanceof Tensor ||
      params === null ||
      typeof params !== "object" ||
      !(Symbol.iterator in params)
    ) {
      throw new TypeError(
        `${className}: params argument given to the optimizer should be an iterable of Tensors or param group ` +
          `objects, but got ${params instanceof Tensor ? "a Tensor (wrap it in an array)" : typeof params}`,
      );
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new RangeError(`${className}: optimizer got an empty parameter list`);
    const groups =
      list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>] : list;
    for (const group of groups) this.addParamGroup(group as ParamGroupInput<O>);
  }

  /** Adds a param group (e.g. layers unfrozen while fine-tuning); missing options come from `defaults`. */
  addParamGroup(input: ParamGroupInput<O>): void {
    const where = `${this.className} param_groups[${this.paramGroups.length}]`;
    if (typeof input !== "object" || input === null || Array.isArray(input) || input instanceof Tensor) {
      throw new TypeError(`${where}: param_group must be an object with a params key, got ${typeof input}`);
    }
    const params = groupParams(where, input.params);
    const group: Record<string, unknown> = { params };
    for (const [key, value] of Object.entries(input)) {
      if (key !== "params") group[key] = copyOptionValue(value);
    }
    readGroupOptions(where, group, this.specs);
    for (const [key, value] of Object.entries(this.defaults)) {
      if (group[key] === undefined) group[key] = copyOptionValue(value);
    }
    if (new Set(params).size !== params.length) {
      throw new RangeError(`${where}: the group contains the same parameter more than once`);
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p))) {
      throw new RangeError(`${where}: some parameters appear in more than one parameter group`);
    }
    this.paramGroups.push(group as unknown as G);
  }

  /**
   * One optimization step over every group: one native call per group. The closure (re-evaluating the model
   * and returning the loss) runs first, with grad enabled, as in PyTorch; its result is returned.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    for (let index = 0; index < this.paramGroups.length; index++)
      this.stepGroup(this.paramGroups[index]!, index);
    return loss;
  }

  /** The subclass's fused native step over one group's parameters and state. */
  protected abstract nativeStep(
    group: G,
    params: Handle[],
    stateTensors: Handle[],
    layout: Int32Array,
    where: string,
  ): CreatedState;

  private stepGroup(group: G, index: number): void {
    const params = group.params;
    const slots = this.stateKeys.length;
    const handles = new Array<Handle>(params.length);
    const stateTensors: Handle[] = [];
    const layout = new Int32Array(params.length * slots);
    for (let i = 0; i < params.length; i++) {
      handles[i] = params[i]!.handle;
      const state = this.state.get(params[i]!);
      for (let s = 0; s < slots; s++) {
        const tensor = state?.[this.stateKeys[s]!];
        layout[i * slots + s] = tensor instanceof Tensor ? stateTensors.push(tensor.handle) - 1 : -1;
      }
    }
    const created = this.nativeStep(
      group,
      handles,
      stateTensors,
      layout,
      `${this.className} param_groups[${index}]`,
    );
    if (created === null) return;
    created.forEach((handle, k) => {
      if (handle === null || handle === undefined) return;
      const param = params[Math.floor(k / slots)]!;
      let state = this.state.get(param);
      if (state === undefined) {
        state = {};
        this.state.set(param, state);
      }
      state[this.stateKeys[k % slots]!] = keep(new Tensor(handle));
    });
  }

  /** Resets the gradients of every parameter: unset (default, as PyTorch) or zeroed in place. */
  zeroGrad(options: { setToNone?: boolean } | boolean = {}): void {
    const setToNone = typeof options === "boolean" ? options : (options.setToNone ?? true);
    for (const group of this.paramGroups)
      native().zeroGrads(
        group.params.map((p) => p.handle),
        setToNone,
      );
  }

  /**
   * PyTorch's `state_dict()`: `state` maps each parameter's index (in group order) to its state, and
   * `param_groups` carry the options with `params` as index lists. Tensors are the live state (not copies), as
   * in PyTorch: save or load them before the next step.
   */
  stateDict(): OptimizerStateDict {
    return packStateDict(this.paramGroups, this.state);
  }

  /**
   * PyTorch's `load_state_dict()`: restores state (copied, cast to each parameter's dtype and device; `step`
   * is kept as saved) and every group key, including ones schedulers added (`initial_lr`). Accepts a state
   * dict from Kiln or from Python's `torch.load`.
   */
  loadStateDict(stateDict: OptimizerStateDict | Record<string, unknown>): void {
    const loaded = loadOptimizerState(this.className, stateDict, this.paramGroups);
    for (const group of loaded.groups) {
      readGroupOptions(`${this.className} loaded param_groups`, group, this.specs);
      for (const [key, value] of Object.entries(this.defaults)) {
        if (group[key] === undefined) group[key] = copyOptionValue(value);
      }
    }
    this.disposeState();
    this.state = loaded.state;
    this.paramGroups.splice(0, this.paramGroups.length, ...(loaded.groups as unknown as G[]));
  }

  /** Frees every state tensor (the optimizer can still step: state is created again). */
  dispose(): void {
    this.disposeState();
    this.state = new Map();
  }

  private disposeState(): void {
    for (const state of this.state.values()) for (const t of Object.values(state)) t.dispose();
  }
}

function groupParams(where: string, raw: unknown): Tensor[] {
  if (raw instanceof Tensor) return [raw];
  if (raw instanceof Set) {
    throw new TypeError(
      `${where}: optimizer parameters need to be organized in ordered collections, but the ordering of ` +
        "tensors in sets will change between runs. Please use a list instead.",
    );
  }
  if (raw === null || typeof raw !== "object" || !(Symbol.iterator in raw)) {
    throw new TypeError(`${where}: params must be a Tensor or an array of Tensors, got ${typeof raw}`);
  }
  const params = [...(raw as Iterable<unknown>)];
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) {
      throw new TypeError(`${where}: optimizer can only optimize Tensors, but params[${i}] is ${typeof p}`);
    }
    if (!p.isLeaf) throw new RangeError(`${where}: can't optimize a non-leaf Tensor (params[${i}])`);
  });
  return params as Tensor[];
}

/** A number option of a group at step time, with a clear error when a user set it to something else. */
export function groupNumber(group: object, key: string, where: string): number {
  const value = (group as Record<string, unknown>)[key];
  if (typeof value === "number") return value;
  const n = typeof value === "object" && value !== null ? value.valueOf() : undefined;
  if (typeof n === "number") return n;
  throw new TypeError(`${where}: '${key}' must be a number, got ${value === null ? "null" : typeof value}`);
}
