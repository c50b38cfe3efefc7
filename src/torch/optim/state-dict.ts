/**
 * Optimizer state dicts in PyTorch's format (Optimizer.state_dict / load_state_dict, torch 2.13):
 * `{ state: {index: {step, exp_avg, ...}}, param_groups: [{lr, ..., params: [index, ...]}] }`.
 * `state` is a Map with integer keys so that torch.save writes a dict with int keys, which Python's
 * `load_state_dict` needs; a plain object with numeric string keys (e.g. after JSON) is accepted on load.
 */

import { full } from "../creation.js";
import { isFloatingDtype } from "../dtype.js";
import { keep } from "../scope.js";
import { Tensor } from "../tensor.js";
import type { ParamGroup, ParamState } from "./optimizer.js";
import { copyOptionValue } from "./options.js";

/** A param group in a state dict: the options, and `params` as indices into the flattened parameter list. */
export type PackedParamGroup = Record<string, unknown> & { params: number[] };

/** PyTorch's optimizer state dict. */
export interface OptimizerStateDict {
  state: Map<number, Record<string, unknown>>;
  param_groups: PackedParamGroup[];
}

/** The state dict of an optimizer: live state tensors (as PyTorch), copied group options. */
export function packStateDict(
  groups: readonly ParamGroup[],
  state: Map<Tensor, ParamState>,
): OptimizerStateDict {
  const indexOf = new Map<Tensor, number>();
  let start = 0;
  const packedGroups = groups.map((group) => {
    const packed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(group)) {
      if (key !== "params") packed[key] = copyOptionValue(value);
    }
    group.params.forEach((p, i) => {
      if (!indexOf.has(p)) indexOf.set(p, start + i);
    });
    packed.params = group.params.map((p) => indexOf.get(p)!);
    start += group.params.length;
    return packed as PackedParamGroup;
  });
  const packedState = new Map<number, Record<string, unknown>>();
  for (const [param, paramState] of state) {
    const index = indexOf.get(param);
    if (index !== undefined) packedState.set(index, { ...paramState });
  }
  return { state: packedState, param_groups: packedGroups };
}

/** The state and groups that loading a state dict gives: new objects, owned by the optimizer. */
export interface LoadedState {
  state: Map<Tensor, ParamState>;
  groups: Record<string, unknown>[];
}

/** Validates a state dict against the current groups and copies it (PyTorch's load_state_dict). */
export function loadOptimizerState(
  className: string,
  stateDict: unknown,
  groups: readonly ParamGroup[],
): LoadedState {
  const where = `${className}.loadStateDict`;
  const sd = stateDict as { state?: unknown; param_groups?: unknown } | null;
  if (
    typeof sd !== "object" ||
    sd === null ||
    !Array.isArray(sd.param_groups) ||
    typeof sd.state !== "object"
  ) {
    throw new TypeError(`${where} expects an object from stateDict() with 'state' and 'param_groups'`);
  }
  const saved = sd.param_groups as Record<string, unknown>[];
  if (saved.length !== groups.length) {
    throw new RangeError(
      `${where}: loaded state dict has a different number of parameter groups ` +
        `(${saved.length} saved, ${groups.length} in this optimizer)`,
    );
  }
  const idMap = new Map<number, Tensor>();
  saved.forEach((savedGroup, g) => {
    const ids = savedGroup?.params;
    if (!Array.isArray(ids) || ids.length !== groups[g]!.params.length) {
      throw new RangeError(
        `${where}: loaded state dict contains a parameter group that doesn't match the size of optimizer's ` +
          `group (param_groups[${g}] has ${Array.isArray(ids) ? ids.length : "no"} params saved, ` +
          `${groups[g]!.params.length} here)`,
      );
    }
    ids.forEach((id, i) => {
      idMap.set(Number(id), groups[g]!.params[i]!);
    });
  });

  const state = new Map<Tensor, ParamState>();
  try {
    for (const [key, value] of stateEntries(sd.state, where)) {
      const param = idMap.get(Number(key));
      if (param === undefined) {
        throw new RangeError(
          `${where}: state key ${String(key)} names no parameter of the saved param_groups`,
        );
      }
      state.set(param, copyParamState(param, value, `${where}: state[${String(key)}]`));
    }
  } catch (e) {
    for (const s of state.values()) for (const t of Object.values(s)) t.dispose();
    throw e;
  }
  const newGroups = saved.map((savedGroup, g) => {
    const group: Record<string, unknown> = { params: groups[g]!.params };
    for (const [key, value] of Object.entries(savedGroup)) {
      if (key !== "params") group[key] = copyOptionValue(value);
    }
    return group;
  });
  return { state, groups: newGroups };
}

function stateEntries(state: unknown, where: string): [unknown, unknown][] {
  if (state instanceof Map) return [...state.entries()];
  if (typeof state === "object" && state !== null) return Object.entries(state);
  throw new TypeError(`${where}: 'state' must be a Map or an object keyed by parameter index`);
}

/**
 * A copy of one parameter's saved state, as PyTorch's `_process_value_according_to_param_policy` casts it:
 * floating state to the parameter's dtype and device, other tensors to its device, `step` unchanged.
 */
function copyParamState(param: Tensor, saved: unknown, where: string): ParamState {
  if (typeof saved !== "object" || saved === null)
    throw new TypeError(`${where} must be an object of tensors`);
  const out: ParamState = {};
  const entries = saved instanceof Map ? [...saved.entries()] : Object.entries(saved);
  try {
    for (const [key, value] of entries) {
      if (value instanceof Tensor) {
        const target =
          key === "step"
            ? { copy: true }
            : isFloatingDtype(param.dtype)
              ? { dtype: param.dtype, device: param.device, copy: true }
              : { device: param.device, copy: true };
        out[String(key)] = keep(value.to(target));
      } else if (key === "step" && typeof value === "number") {
        // Old PyTorch state dicts kept `step` as a Python number; __setstate__ turns it into a tensor.
        out.step = keep(full([], value, { dtype: "float32" }));
      } else {
        throw new TypeError(
          `${where}.${String(key)} must be a tensor, got ${value === null ? "null" : typeof value}`,
        );
      }
    }
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
  return out;
}
