/**
 * Turning instantiate's input into one resolved plain tree, as Hydra does before instantiating: copy the
 * config (plain object or omegaconf node/view), merge the call-time keyword arguments into the copy (dicts merge,
 * everything else replaces), and resolve interpolations against the whole config, so `${b}` sees an overridden
 * `b` and `${..value}` sees the parent. Values a config cannot hold (class instances, functions: Hydra's
 * "passthrough" objects) are merged after resolution and reach the target untouched.
 */

import { PyFloat } from "../../common/pyvalue.js";
import {
  type ContainerNode,
  copyNode,
  fromPlain,
  isContainer,
  isInterpolationString,
  merge,
  nodeOfView,
  type Provenance,
  provenanceOf,
  toContainer,
  toView,
} from "../omegaconf/index.js";
import { isPlainObject } from "./call.js";

/** The tree to instantiate and where it sits in its config (for error messages). */
export interface PreparedConfig {
  /** Plain objects, arrays and scalars (interpolations resolved), plus passthrough objects. */
  tree: unknown;
  /** The full key of the config node that was passed in ("" for a plain object or a root). */
  keyPrefix: string;
  /** The provenance chain of the value at a full key, when the input came from a config tree. */
  provenanceAt(fullKey: string): readonly Provenance[] | undefined;
}

/** The node behind a DictNode/ListNode or a DictConfig/ListConfig view, if `value` is one. */
export function configNodeOf(value: unknown): ContainerNode | undefined {
  if (isContainer(value)) return value;
  if (value === null || typeof value !== "object") return undefined;
  try {
    return nodeOfView(value);
  } catch {
    return undefined;
  }
}

/** True for a value a config node can hold as a leaf. */
function isConfigScalar(value: unknown): boolean {
  const t = typeof value;
  return value === null || t === "string" || t === "number" || t === "boolean" || value instanceof PyFloat;
}

/** True when the whole tree is made of plain objects, arrays and config scalars. */
export function isConfigCompatible(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isConfigCompatible);
  if (isPlainObject(value)) return Object.values(value).every(isConfigCompatible);
  return isConfigScalar(value);
}

/** A deep copy of plain objects and arrays (keys with undefined values dropped); other values by reference. */
export function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = clonePlain(v);
    return out;
  }
  return value instanceof PyFloat ? value.value : value;
}

/** OmegaConf.merge for plain trees: dicts merge key by key, anything else replaces. Mutates and returns `base`. */
export function mergePlain(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return clonePlain(overrides);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    base[k] = k in base ? mergePlain(base[k], v) : clonePlain(v);
  }
  return base;
}

/** The config-compatible skeleton of a tree: passthrough values become null placeholders. */
function configSkeleton(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(configSkeleton);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = configSkeleton(v);
    return out;
  }
  return isConfigScalar(value) ? value : null;
}

/** Put the passthrough values of `source` back into the resolved tree; config scalars keep their resolved value. */
function overlayPassthrough(resolved: unknown, source: unknown): unknown {
  if (isPlainObject(source)) {
    const base = isPlainObject(resolved) ? resolved : {};
    for (const [k, v] of Object.entries(source))
      if (v !== undefined) base[k] = overlayPassthrough(base[k], v);
    return base;
  }
  if (Array.isArray(source)) {
    const base = Array.isArray(resolved) && resolved.length === source.length ? resolved : [];
    return source.map((v, i) => overlayPassthrough(base[i], v));
  }
  if (isConfigScalar(source)) return resolved === undefined ? clonePlain(source) : resolved;
  return source;
}

function containsInterpolation(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsInterpolation);
  if (isPlainObject(value)) return Object.values(value).some(containsInterpolation);
  return isInterpolationString(value);
}

const OVERRIDE_NOTE: Provenance = { note: "instantiate() keyword argument" };

function fromNode(node: ContainerNode, overrides: Record<string, unknown>): PreparedConfig {
  // Hydra works on a copy that keeps its parent link, so interpolations still see the whole config; the copy
  // points at the parent, but the parent never sees the copy.
  const copy = copyNode(node);
  copy.parent = node.parent;
  copy.key = node.key;
  copy.setFlag("struct", false);
  copy.setFlag("readonly", false);
  const isDict = copy.kind === "dict";
  if (isDict && Object.keys(overrides).length > 0)
    merge(copy, fromPlain(configSkeleton(overrides), OVERRIDE_NOTE));
  const resolved = toContainer(copy, { resolve: true });
  const root = node.root();
  return {
    tree: isDict ? overlayPassthrough(resolved, overrides) : resolved,
    keyPrefix: node.keyPath(),
    provenanceAt(fullKey: string) {
      try {
        return provenanceOf(root, fullKey);
      } catch {
        return undefined;
      }
    },
  };
}

function fromPlainInput(config: unknown, overrides: Record<string, unknown>): PreparedConfig {
  const merged = isPlainObject(config) ? mergePlain(clonePlain(config), overrides) : clonePlain(config);
  // Without interpolations there is nothing to resolve, and no reason to build a node tree.
  const tree = containsInterpolation(merged)
    ? overlayPassthrough(
        toContainer(fromPlain(configSkeleton(merged)) as ContainerNode, { resolve: true }),
        merged,
      )
    : merged;
  return { tree, keyPrefix: "", provenanceAt: () => undefined };
}

/** Views and nodes nested in plain values (e.g. `{ net: cfg.net }` as a keyword argument) as plain resolved trees. */
function withoutViews(value: unknown): unknown {
  const node = configNodeOf(value);
  if (node !== undefined) return toContainer(node, { resolve: true });
  if (Array.isArray(value)) return value.map(withoutViews);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withoutViews(v);
    return out;
  }
  return value;
}

/** Copy `config`, merge `overrides` into it and resolve it (see the module comment). */
export function prepareConfig(config: unknown, overrides: Record<string, unknown>): PreparedConfig {
  const node = configNodeOf(config);
  const plainOverrides = withoutViews(overrides) as Record<string, unknown>;
  return node !== undefined
    ? fromNode(node, plainOverrides)
    : fromPlainInput(withoutViews(config), plainOverrides);
}

/** `_convert_: none`: a nested config stays a DictConfig/ListConfig view when it holds only config values. */
export function toConfigView(value: unknown): unknown {
  if (!(Array.isArray(value) || isPlainObject(value)) || !isConfigCompatible(value)) return value;
  return toView(fromPlain(value) as ContainerNode);
}

/** Append a dict key or list index to a full key, OmegaConf style: `a.b`, `a[0]`. */
export function joinKey(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** The node kind of a config input, for messages: DictConfig, ListConfig, dict, list, or the JS type. */
export function describeInputType(value: unknown): string {
  const node = configNodeOf(value);
  if (node !== undefined) return node.kind === "dict" ? "DictConfig" : "ListConfig";
  if (Array.isArray(value)) return "list";
  if (isPlainObject(value)) return "dict";
  return value === null
    ? "null"
    : typeof value === "object"
      ? (value.constructor?.name ?? "object")
      : typeof value;
}
