/** Key-path access: OmegaConf.select / update, deletion, flags and provenance lookup. */
import { assignChild, checkWritable } from "./assign.js";
import {
  ConfigKeyError,
  ConfigTypeError,
  InterpolationKeyError,
  InterpolationResolutionError,
  type Provenance,
  ValidationError,
} from "./errors.js";
import { listIndex, resolveKeyAndRoot, selectImpl, selectOne, splitKey } from "./key-path.js";
import { merge } from "./merge.js";
import { type ContainerNode, DictNode, isContainer, type Node, ValueNode } from "./nodes.js";
import { fromPlain, viewNode } from "./plain.js";
import { derefNode } from "./resolve.js";

/** Options of select. */
export interface SelectOptions {
  /** Returned when the key does not exist, is `???`, or its interpolation names a missing key. */
  default?: unknown;
  /** Throw MissingMandatoryValue when the selected value is `???` (even when a default is given). */
  throwOnMissing?: boolean;
  /** Throw when an interpolation on the way cannot be resolved (default true); false gives undefined. */
  throwOnResolutionFailure?: boolean;
}

/** Options of update. */
export interface UpdateOptions {
  /** Merge dict/list values into an existing container instead of replacing it (default true). */
  merge?: boolean;
  /** Add the key even in struct mode (Hydra's `+key` / `++key`). */
  forceAdd?: boolean;
  /** Where the new value comes from (file:line or override text); appended to the node's chain. */
  provenance?: Provenance;
}

/** OmegaConf's select_node: keys are relative to `root` (a leading dot climbs one more level). */
function selectNodeFrom(
  root: Node,
  path: string,
  throwOnMissing: boolean,
  resolveLast: boolean,
): Node | undefined {
  if (!isContainer(root)) return undefined;
  const key = path.startsWith(".") ? path : `.${path}`;
  let start: ContainerNode;
  let rest: string;
  try {
    ({ root: start, key: rest } = resolveKeyAndRoot(root, key));
  } catch (e) {
    if (e instanceof ConfigKeyError) return undefined;
    throw e;
  }
  try {
    return selectImpl(start, rest, { throwOnMissing, memo: new Set(), resolveLast }).value;
  } catch (e) {
    if (e instanceof ConfigTypeError) return undefined;
    throw e;
  }
}

/**
 * OmegaConf.select: the resolved value at `path` (`a.b[0].c`, `a.b.0.c`, relative `.x`/`..x` from `root`).
 * Scalars come back as stored (floats as PyFloat), containers as their DictNode/ListNode; a missing key
 * gives `options.default` or undefined.
 */
export function select(root: Node, path: string, options: SelectOptions = {}): unknown {
  const hasDefault = "default" in options;
  let node: Node | undefined;
  try {
    node = selectNodeFrom(root, path, options.throwOnMissing === true, true);
  } catch (e) {
    if (hasDefault && (e instanceof ConfigKeyError || e instanceof InterpolationKeyError))
      return options.default;
    if (options.throwOnResolutionFailure === false && e instanceof InterpolationResolutionError)
      return undefined;
    throw e;
  }
  if (node === undefined || (node instanceof ValueNode && node.isMissing())) {
    return hasDefault ? options.default : undefined;
  }
  return node instanceof ValueNode ? node.value : node;
}

/** The node at `path` without resolving the node itself (intermediate interpolations are followed), or undefined. */
export function getNode(root: Node, path: string): Node | undefined {
  return selectNodeFrom(root, path, false, false);
}

/** OmegaConf.update: set `path` to `value`, creating intermediate dicts; struct mode needs `forceAdd` for new keys. */
export function update(root: ContainerNode, path: string, value: unknown, options: UpdateOptions = {}): void {
  const split = splitKey(path);
  const assignOptions = { forceAdd: options.forceAdd, provenance: options.provenance };
  let cur: ContainerNode = root;
  for (const k of split.slice(0, -1)) {
    const next = selectOne(cur, k, false);
    if (isContainer(next)) {
      cur = next;
    } else {
      const created = new DictNode(options.provenance ? [{ ...options.provenance }] : []);
      cur = assignChild(cur, containerKey(cur, k), created, assignOptions) as DictNode;
    }
  }
  const last = split[split.length - 1];
  const isContainerValue =
    isContainer(value) || viewNode(value) !== undefined || Array.isArray(value) || isPlainObject(value);
  if ((options.merge ?? true) && isContainerValue) {
    const existing = selectOne(cur, last, false);
    if (isContainer(existing)) {
      merge(existing, fromPlain(value, options.provenance));
      return;
    }
  }
  assignChild(cur, containerKey(cur, last), fromPlain(value, options.provenance), assignOptions);
}

function isPlainObject(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function containerKey(c: ContainerNode, key: string): string | number {
  if (c instanceof DictNode) return key;
  const i = listIndex(c, key);
  if (i === undefined) throw new ValidationError(`Index '${key}' is not an int`, { keyPath: c.keyPath() });
  return i;
}

/** Delete the key or list item at `path` (struct mode does not prevent it, as with Hydra's `~key`). */
export function deleteKey(root: ContainerNode, path: string): void {
  const split = splitKey(path);
  const parentPath = split.slice(0, -1);
  let cur: Node | undefined = root;
  for (const k of parentPath) {
    cur = isContainer(cur) ? selectOne(cur, k, false) : undefined;
    cur = cur ? derefNode(cur, new Set()) : undefined;
  }
  const last = split[split.length - 1];
  if (!isContainer(cur)) throw new ConfigKeyError(`Key '${path}' not found`, { keyPath: path });
  checkWritable(cur, last);
  const existed = cur instanceof DictNode ? cur.delete(last) : cur.delete(listIndex(cur, last) ?? Number.NaN);
  if (!existed) throw new ConfigKeyError(`Key '${path}' not found`, { keyPath: path });
}

/** OmegaConf.set_struct: set (or with undefined, clear) struct mode on a node and so on its subtree. */
export function setStruct(node: Node, flag: boolean | undefined): void {
  node.setFlag("struct", flag);
}

/** OmegaConf.set_readonly: set (or clear) read-only mode on a node and so on its subtree. */
export function setReadonly(node: Node, flag: boolean | undefined): void {
  node.setFlag("readonly", flag);
}

/** The provenance chain of the value at `path` (oldest first); empty when the key does not exist. */
export function provenanceOf(root: Node, path: string): Provenance[] {
  return [...(getNode(root, path)?.provenance ?? [])];
}
