/**
 * The config node tree (OmegaConf's DictConfig / ListConfig / ValueNode). Values keep Python's view of
 * scalars: ints are JS numbers, floats are always PyFloat so `1.0` stays a float, `"???"` marks a mandatory
 * value, and strings containing `${` are interpolations resolved on access.
 */
import type { PyFloat } from "../../common/pyvalue.js";
import type { Provenance } from "./errors.js";

/** A leaf value as stored in the tree. */
export type Scalar = null | boolean | number | string | PyFloat;

/** OmegaConf's marker for a mandatory value that must be set before it is read. */
export const MISSING = "???";

/** The property under which a view (see view.ts) exposes its node; also lets fromPlain copy views. */
export const VIEW_NODE: unique symbol = Symbol.for("kiln.omegaconf.viewNode");

/** Flags inherited from parents, like OmegaConf's node flags. */
export type FlagName = "struct" | "readonly";

/** Any node of the tree. */
export type Node = DictNode | ListNode | ValueNode;

/** A node that holds children. */
export type ContainerNode = DictNode | ListNode;

/** True when a raw value is an interpolation string (contains `${`, as OmegaConf checks). */
export function isInterpolationString(v: unknown): v is string {
  return typeof v === "string" && v.includes("${");
}

/** Fields shared by every node: its place in the tree, provenance chain and own flags. */
abstract class BaseNode {
  /** The container holding this node, or null for a root. */
  parent: ContainerNode | null = null;
  /** The key in the parent: a string for dicts, an index for lists, null for a root. */
  key: string | number | null = null;
  /** Every source that set this value, oldest first. */
  provenance: Provenance[] = [];
  /** Flags set on this node itself; unset flags inherit from the parent. */
  readonly flags: Partial<Record<FlagName, boolean>> = {};

  /** The flag's effective value: this node's own setting, else the nearest parent's, else false. */
  getFlag(name: FlagName): boolean {
    for (let n: BaseNode | null = this; n !== null; n = n.parent) {
      const v = n.flags[name];
      if (v !== undefined) return v;
    }
    return false;
  }

  /** Set (true/false) or clear (undefined, to inherit again) this node's own flag. */
  setFlag(name: FlagName, value: boolean | undefined): void {
    if (value === undefined) delete this.flags[name];
    else this.flags[name] = value;
  }

  /** The root of the tree this node belongs to. */
  root(): Node {
    let n = this as unknown as Node;
    while (n.parent !== null) n = n.parent;
    return n;
  }

  /** OmegaConf's full key of this node: `a.b[0].c`. */
  keyPath(): string {
    let path = "";
    for (let n: BaseNode | null = this; n !== null && n.key !== null; n = n.parent) {
      const head = typeof n.key === "number" ? `[${n.key}]` : n.key;
      path = path === "" || path.startsWith("[") ? `${head}${path}` : `${head}.${path}`;
    }
    return path;
  }
}

/** A leaf: a scalar, `???`, or an interpolation string. */
export class ValueNode extends BaseNode {
  readonly kind = "value";
  constructor(
    public value: Scalar,
    provenance?: Provenance[],
  ) {
    super();
    if (provenance) this.provenance = provenance;
  }
  /** True for `???`. */
  isMissing(): boolean {
    return this.value === MISSING;
  }
  /** Set on a node that holds a computed interpolation result: its value is final, even if it looks like `${x}`. */
  isResult = false;
  /** True when the value is a string containing `${` (and the node is not a computed result). */
  isInterpolation(): boolean {
    return !this.isResult && isInterpolationString(this.value);
  }
}

/** A mapping from string keys to nodes, in insertion order. */
export class DictNode extends BaseNode {
  readonly kind = "dict";
  readonly children = new Map<string, Node>();
  constructor(provenance?: Provenance[]) {
    super();
    if (provenance) this.provenance = provenance;
  }
  /** The child at `key`, or undefined. */
  get(key: string): Node | undefined {
    return this.children.get(key);
  }
  /** Put `node` at `key` (replacing any old child in place, keeping the key order) and adopt it. */
  set(key: string, node: Node): Node {
    node.parent = this;
    node.key = key;
    this.children.set(key, node);
    return node;
  }
  /** Remove the child at `key`; returns whether it existed. */
  delete(key: string): boolean {
    const old = this.children.get(key);
    if (old) old.parent = null;
    return this.children.delete(key);
  }
  /** Child keys in insertion order. */
  keys(): string[] {
    return [...this.children.keys()];
  }
  /** Number of children. */
  get size(): number {
    return this.children.size;
  }
}

/** An ordered list of nodes. */
export class ListNode extends BaseNode {
  readonly kind = "list";
  readonly items: Node[] = [];
  constructor(provenance?: Provenance[]) {
    super();
    if (provenance) this.provenance = provenance;
  }
  /** The item at `index` (negative counts from the end, like Python), or undefined. */
  get(index: number): Node | undefined {
    return this.items[index < 0 ? this.items.length + index : index];
  }
  /** Replace the item at `index` and adopt it. */
  set(index: number, node: Node): Node {
    const i = index < 0 ? this.items.length + index : index;
    node.parent = this;
    node.key = i;
    this.items[i] = node;
    return node;
  }
  /** Add `node` at the end and adopt it. */
  append(node: Node): Node {
    return this.set(this.items.length, node);
  }
  /** Remove the item at `index`, renumbering the ones after it. */
  delete(index: number): boolean {
    const i = index < 0 ? this.items.length + index : index;
    if (i < 0 || i >= this.items.length) return false;
    this.items[i].parent = null;
    this.items.splice(i, 1);
    for (let j = i; j < this.items.length; j++) this.items[j].key = j;
    return true;
  }
  /** Number of items. */
  get size(): number {
    return this.items.length;
  }
}

/** True for a DictNode or ListNode. */
export function isContainer(n: unknown): n is ContainerNode {
  return n instanceof DictNode || n instanceof ListNode;
}

/** True for any tree node. */
export function isNode(n: unknown): n is Node {
  return n instanceof DictNode || n instanceof ListNode || n instanceof ValueNode;
}

/** A deep copy of a subtree (values, own flags and provenance chains); the copy is a detached root. */
export function copyNode<T extends Node>(node: T): T {
  let out: Node;
  if (node instanceof ValueNode) {
    out = new ValueNode(node.value);
  } else if (node instanceof DictNode) {
    const d = new DictNode();
    for (const [k, child] of node.children) d.set(k, copyNode(child));
    out = d;
  } else {
    const l = new ListNode();
    for (const child of node.items) l.append(copyNode(child));
    out = l;
  }
  out.provenance = node.provenance.map((p) => ({ ...p }));
  Object.assign(out.flags, node.flags);
  return out as T;
}
