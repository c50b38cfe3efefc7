// Module.stateDict / loadStateDict: PyTorch's key naming, order, and error messages.
import { native } from "../native.js";
import { Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/** What loadStateDict accepts: an ordered Map (as stateDict returns) or a plain object of tensors. */
export type StateDictInput = Map<string, unknown> | Record<string, unknown>;

/** Keys that did not line up (PyTorch's _IncompatibleKeys); non-empty only with strict: false. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A failed loadStateDict; the message has PyTorch's layout, the key lists are also fields. */
export class StateDictError extends Error {
  constructor(
    message: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
  ) {
    super(message);
    this.name = "StateDictError";
  }
}

// One entry per (module, local name), walking children without de-duplication, as PyTorch's state_dict does.
function entries(module: Module, prefix: string, out: [string, Tensor, Module, string][]): void {
  for (const [name, p] of module.localParameters())
    if (p !== null) out.push([prefix + name, p, module, name]);
  for (const [name, b, persistent] of module.localBuffers()) {
    if (b !== null && persistent) out.push([prefix + name, b, module, name]);
  }
  for (const [name, child] of module.namedChildren()) entries(child, `${prefix}${name}.`, out);
}

/** See Module.stateDict. */
export function stateDict(module: Module, prefix: string, keepVars: boolean): Map<string, Tensor> {
  const list: [string, Tensor, Module, string][] = [];
  entries(module, prefix, list);
  const out = new Map<string, Tensor>();
  for (const [key, t] of list) out.set(key, keepVars ? t : t.detach());
  return out;
}

const shapeStr = (shape: number[]) => `torch.Size([${shape.join(", ")}])`;

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** See Module.loadStateDict: validates everything first, then copies (all or nothing). */
export function loadStateDict(module: Module, sd: StateDictInput, strict: boolean): LoadStateDictResult {
  const given = sd instanceof Map ? sd : new Map(Object.entries(sd));
  const expected: [string, Tensor, Module, string][] = [];
  entries(module, "", expected);
  const expectedKeys = new Set(expected.map(([k]) => k));
  const missingKeys: string[] = [];
  const errors: string[] = [];
  const copies: [Tensor, Tensor][] = [];
  for (const [key, target, owner, localName] of expected) {
    if (!given.has(key)) {
      if (!owner.optionalStateKeys().includes(localName)) missingKeys.push(key);
      continue;
    }
    const value = given.get(key);
    if (!(value instanceof Tensor)) {
      errors.push(
        `While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${describeValue(value)}`,
      );
      continue;
    }
    if (value.isDisposed) {
      errors.push(`While copying the parameter named "${key}", the checkpoint's tensor was already disposed`);
      continue;
    }
    const from = value.shape;
    const to = target.shape;
    if (from.length !== to.length || from.some((d, i) => d !== to[i])) {
      errors.push(
        `size mismatch for ${key}: copying a param with shape ${shapeStr(from)} from checkpoint, the shape in current model is ${shapeStr(to)}.`,
      );
      continue;
    }
    copies.push([target, value]);
  }
  const unexpectedKeys = [...given.keys()].filter((k) => !expectedKeys.has(k));
  if (strict) {
    if (unexpectedKeys.length > 0) {
      errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}. `);
    }
    if (missingKeys.length > 0) {
      errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}. `);
    }
  }
  if (errors.length > 0) {
    throw new StateDictError(
      `Error(s) in loading state_dict for ${module.constructor.name}:\n\t${errors.join("\n\t")}`,
      missingKeys,
      unexpectedKeys,
    );
  }
  for (const [target, value] of copies) native().initCopy_(target.handle, value.handle);
  return { missingKeys, unexpectedKeys };
}
