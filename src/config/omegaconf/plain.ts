/** Conversions between plain JS values and the node tree. */
import { PyFloat } from "../../common/pyvalue.js";
import { QuotedString } from "../overrides/types.js";
import { MissingMandatoryValue, type Provenance, ValidationError } from "./errors.js";
import {
  type ContainerNode,
  copyNode,
  DictNode,
  isNode,
  ListNode,
  type Node,
  ValueNode,
  VIEW_NODE,
} from "./nodes.js";
import { derefNode } from "./resolve.js";

/** Options of toContainer. */
export interface ToContainerOptions {
  /** Resolve interpolations (default false: `${...}` strings are kept as-is). */
  resolve?: boolean;
  /** Throw MissingMandatoryValue on `???` (default false: kept as the string "???"). */
  throwOnMissing?: boolean;
  /** Keep floats as PyFloat instead of plain numbers (default false). */
  keepFloats?: boolean;
  /** Accepted for API parity with OmegaConf; there are no structured configs, so it changes nothing. */
  structuredConfigMode?: "dict" | "object";
}

/** The node behind a DictConfig/ListConfig view, if `value` is one. */
export function viewNode(value: unknown): ContainerNode | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const n = (value as { [VIEW_NODE]?: ContainerNode })[VIEW_NODE];
  return n instanceof DictNode || n instanceof ListNode ? n : undefined;
}

/**
 * Build a detached node tree from a plain value: objects become DictNode, arrays ListNode, non-integral
 * numbers PyFloat; nodes and views are deep-copied; an override parser's QuotedString counts as its `.text`.
 */
export function fromPlain(value: unknown, provenance?: Provenance): Node {
  const chain = () => (provenance ? [{ ...provenance }] : []);
  if (isNode(value)) return copyNode(value);
  const view = viewNode(value);
  if (view) return copyNode(view);
  if (value === null || value === undefined) return new ValueNode(null, chain());
  if (value instanceof PyFloat) return new ValueNode(value, chain());
  switch (typeof value) {
    case "boolean":
    case "string":
      return new ValueNode(value, chain());
    case "number":
      return new ValueNode(Number.isInteger(value) ? value : new PyFloat(value), chain());
    case "bigint":
      return new ValueNode(Number(value), chain());
  }
  if (Array.isArray(value)) {
    const list = new ListNode(chain());
    for (const item of value) list.append(fromPlain(item, provenance));
    return list;
  }
  if (typeof value === "object") {
    if (value instanceof QuotedString) return new ValueNode(value.text, chain());
    const proto = Object.getPrototypeOf(value);
    const entries =
      value instanceof Map
        ? [...value.entries()]
        : proto === Object.prototype || proto === null
          ? Object.entries(value)
          : undefined;
    if (entries) {
      const dict = new DictNode(chain());
      for (const [k, v] of entries) dict.set(typeof k === "string" ? k : String(k), fromPlain(v, provenance));
      return dict;
    }
  }
  const type = typeof value === "object" ? (value as object).constructor?.name : typeof value;
  throw new ValidationError(`Unsupported value type in a config: ${type}`);
}

/** Wrap a computed interpolation result as a detached node that sits where `at` is (for relative keys). */
export function attachResult(value: unknown, at: Node): Node {
  const node = fromPlain(value);
  node.parent = at.parent;
  node.key = at.key;
  node.provenance = [...at.provenance];
  if (node instanceof ValueNode) node.isResult = true;
  return node;
}

/** OmegaConf.to_container: the tree as plain JS objects/arrays/scalars (floats as numbers by default). */
export function toContainer(node: ContainerNode, options: ToContainerOptions = {}): unknown {
  if (node instanceof DictNode) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of node.children) {
      Object.defineProperty(out, k, {
        value: childValue(child, options),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return node.items.map((child) => childValue(child, options));
}

function childValue(child: Node, options: ToContainerOptions): unknown {
  const target = options.resolve ? derefNode(child, new Set()) : child;
  if (target instanceof ValueNode) {
    const v = target.value;
    if (v === "???" && options.throwOnMissing) {
      throw new MissingMandatoryValue(`Missing mandatory value: ${child.keyPath()}`, {
        keyPath: child.keyPath(),
        provenance: child.provenance,
      });
    }
    return v instanceof PyFloat && !options.keepFloats ? v.value : v;
  }
  return toContainer(target as ContainerNode, options);
}
