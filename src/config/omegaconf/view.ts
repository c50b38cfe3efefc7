/** User-facing proxies over the tree: `cfg.trainer.max_epochs`, resolving on access like DictConfig. */
import { inspect } from "node:util";
import { PyFloat } from "../../common/pyvalue.js";
import { assignChild, checkWritable, childPath } from "./assign.js";
import { ConfigKeyError, ConfigTypeError } from "./errors.js";
import { type ContainerNode, DictNode, ListNode, type Node, VIEW_NODE } from "./nodes.js";
import { fromPlain, toContainer } from "./plain.js";
import { resolveNode } from "./resolve.js";

/** A DictConfig-like view: property access resolves interpolations and throws on `???`. */
// biome-ignore lint/suspicious/noExplicitAny: config values are dynamic by nature.
export type DictConfig = { [key: string]: any };

/** A ListConfig-like view: an array-like proxy whose items resolve on access. */
// biome-ignore lint/suspicious/noExplicitAny: config values are dynamic by nature.
export type ListConfig = any[];

const views = new WeakMap<ContainerNode, DictConfig | ListConfig>();

/** Names JS tooling probes on any object; a dict view answers them from Object.prototype, not as keys. */
const OBJECT_PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The value a view returns for a child: containers as views, floats as plain numbers. */
function present(child: Node): unknown {
  const v = resolveNode(child);
  if (v instanceof DictNode || v instanceof ListNode) return toView(v);
  return v instanceof PyFloat ? v.value : v;
}

function commonGet(node: ContainerNode, prop: string | symbol): { hit: boolean; value?: unknown } {
  if (prop === VIEW_NODE) return { hit: true, value: node };
  if (prop === "toJSON") return { hit: true, value: () => toContainer(node, { resolve: true }) };
  if (prop === inspect.custom) return { hit: true, value: () => toContainer(node, { resolve: false }) };
  if (prop === "then") return { hit: true, value: undefined };
  return { hit: false };
}

/** util.inspect shows a proxy's target, so the target itself carries the printing hook. */
function inspectable<T extends object>(target: T, node: ContainerNode): T {
  Object.defineProperty(target, inspect.custom, {
    value: () => toContainer(node, { resolve: false }),
    enumerable: false,
    configurable: true,
  });
  return target;
}

function dictView(node: DictNode): DictConfig {
  const handler: ProxyHandler<DictConfig> = {
    get(_t, prop) {
      const common = commonGet(node, prop);
      if (common.hit) return common.value;
      if (typeof prop === "symbol") return undefined;
      const child = node.get(prop);
      if (child === undefined) {
        if (OBJECT_PROTO_NAMES.has(prop)) return (Object.prototype as Record<string, unknown>)[prop];
        const keyPath = childPath(node, prop);
        throw new ConfigKeyError(
          node.getFlag("struct") ? `Key '${prop}' is not in struct` : `Missing key ${prop}`,
          {
            keyPath,
          },
        );
      }
      return present(child);
    },
    set(_t, prop, value) {
      if (typeof prop === "symbol") return false;
      assignChild(node, prop, fromPlain(value));
      return true;
    },
    deleteProperty(_t, prop) {
      if (typeof prop === "symbol") return false;
      checkWritable(node, prop);
      if (node.getFlag("struct")) {
        throw new ConfigTypeError("DictConfig in struct mode does not support deletion", {
          keyPath: childPath(node, prop),
        });
      }
      node.delete(prop);
      return true;
    },
    has(_t, prop) {
      return typeof prop === "string" && node.get(prop) !== undefined;
    },
    ownKeys() {
      return node.keys();
    },
    getOwnPropertyDescriptor(_t, prop) {
      if (typeof prop !== "string" || node.get(prop) === undefined) return undefined;
      // An accessor, so Object.keys() and spreading do not resolve (and throw on `???`) before they must.
      return {
        get: () => handler.get?.(_t, prop, undefined),
        set: (v: unknown) => handler.set?.(_t, prop, v, undefined),
        enumerable: true,
        configurable: true,
      };
    },
  };
  return new Proxy(inspectable({}, node) as DictConfig, handler);
}

function index(prop: string | symbol): number | undefined {
  return typeof prop === "string" && /^(?:0|[1-9][0-9]*)$/.test(prop) ? Number(prop) : undefined;
}

function listView(node: ListNode): ListConfig {
  const handler: ProxyHandler<ListConfig> = {
    get(_t, prop) {
      const common = commonGet(node, prop);
      if (common.hit) return common.value;
      if (prop === "length") return node.size;
      const i = index(prop);
      if (i !== undefined) return i < node.size ? present(node.items[i]) : undefined;
      if (prop === Symbol.iterator) {
        return function* () {
          for (const child of [...node.items]) yield present(child);
        };
      }
      return Reflect.get(Array.prototype, prop);
    },
    set(_t, prop, value) {
      const i = index(prop);
      if (i !== undefined) {
        if (i === node.size) {
          checkWritable(node, i);
          node.append(fromPlain(value));
        } else {
          assignChild(node, i, fromPlain(value));
        }
        return true;
      }
      if (prop === "length") {
        checkWritable(node);
        while (node.size > Number(value)) node.delete(node.size - 1);
        return true;
      }
      return false;
    },
    deleteProperty(_t, prop) {
      const i = index(prop);
      if (i === undefined) return false;
      checkWritable(node, i);
      node.delete(i);
      return true;
    },
    has(_t, prop) {
      const i = index(prop);
      return i !== undefined ? i < node.size : prop === "length" || Reflect.has(Array.prototype, prop);
    },
    ownKeys() {
      return [...node.items.keys()].map(String).concat("length");
    },
    getOwnPropertyDescriptor(_t, prop) {
      if (prop === "length")
        return { value: node.size, writable: true, enumerable: false, configurable: false };
      const i = index(prop);
      if (i === undefined || i >= node.size) return undefined;
      return {
        get: () => present(node.items[i]),
        set: (v: unknown) => handler.set?.(_t, prop, v, undefined),
        enumerable: true,
        configurable: true,
      };
    },
  };
  return new Proxy(inspectable([], node) as ListConfig, handler);
}

/** Wrap a node in a view: dicts give a DictConfig, lists a ListConfig; assignment goes through struct checks. */
export function toView(node: DictNode): DictConfig;
export function toView(node: ListNode): ListConfig;
export function toView(node: ContainerNode): DictConfig | ListConfig;
export function toView(node: ContainerNode): DictConfig | ListConfig {
  let view = views.get(node);
  if (!view) {
    view = node instanceof DictNode ? dictView(node) : listView(node);
    views.set(node, view);
  }
  return view;
}

/** The node behind a view, or undefined when `value` is not a view. */
export function nodeOfView(value: unknown): ContainerNode | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const n = (value as { [VIEW_NODE]?: unknown })[VIEW_NODE];
  return n instanceof DictNode || n instanceof ListNode ? n : undefined;
}
