/** Key paths (`a.b[0].c`, relative `..x`) and OmegaConf's `_select_impl` walk over the tree. */
import {
  ConfigKeyError,
  ConfigTypeError,
  InterpolationResolutionError,
  MissingMandatoryValue,
  ValidationError,
} from "./errors.js";
import { type ContainerNode, DictNode, isContainer, type ListNode, type Node } from "./nodes.js";
import { derefNode, type Memo } from "./resolve.js";

const KEY_PATH_HEAD = /^(\.)*[^.[]*/;
const KEY_PATH_OTHER = /\.([^.[]*)|\[(.*?)\]/g;

/** OmegaConf's split_key: `a.b` -> [a, b], `a[b]` -> [a, b], `.a.b[c].d` -> ["", a, b, c, d], `[a].b` -> [a, b]. */
export function splitKey(key: string): string[] {
  const first = KEY_PATH_HEAD.exec(key);
  const firstStop = first ? first[0].length : 0;
  const tokens = key.slice(0, firstStop).split(".");
  if (firstStop === key.length) return tokens;
  if (key[firstStop] === "[" && tokens[tokens.length - 1] === "") tokens.pop();
  for (const m of key.slice(firstStop).matchAll(KEY_PATH_OTHER)) tokens.push(m[1] ? m[1] : (m[2] ?? ""));
  return tokens;
}

/** True when `s` is an int the way Python's int() reads it (for list indices given as strings). */
export function isIntString(s: string): boolean {
  return /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s);
}

/** One step down: the child of `c` at `key`, or undefined. `???` raises only with throwOnMissing. */
export function selectOne(c: ContainerNode, key: string, throwOnMissing: boolean): Node | undefined {
  let val: Node | undefined;
  if (c instanceof DictNode) {
    val = c.get(key);
  } else {
    if (!isIntString(key)) {
      throw new ValidationError(`Index '${key}' (str) is not an int`, { keyPath: c.keyPath() || undefined });
    }
    const i = Number.parseInt(key.replaceAll("_", ""), 10);
    val = i < 0 || i >= c.items.length ? undefined : c.items[i];
  }
  if (val && throwOnMissing && val.kind === "value" && val.isMissing()) {
    throw new MissingMandatoryValue(`Missing mandatory value: ${val.keyPath()}`, {
      keyPath: val.keyPath(),
      provenance: val.provenance,
    });
  }
  return val;
}

/** Where `_resolve_key_and_root` lands: leading dots climb from `from` (one dot = `from` itself). */
export function resolveKeyAndRoot(from: ContainerNode, key: string): { root: ContainerNode; key: string } {
  if (!key.startsWith(".")) return { root: from.root() as ContainerNode, key };
  let root: ContainerNode | null = from;
  let rest = key.slice(1);
  while (rest.startsWith(".")) {
    root = root.parent;
    if (root === null) throw new ConfigKeyError(`Error resolving key '${key}'`);
    rest = rest.slice(1);
  }
  return { root, key: rest };
}

/** The result of a walk: the container holding the last key, the key, and the (resolved) node there. */
export interface SelectResult {
  parent?: ContainerNode;
  lastKey?: string;
  value?: Node;
}

/**
 * OmegaConf's `_select_impl`: walk `key` from `root`, following interpolations on the way; the last node is
 * resolved (an interpolation gives its target or result node). Missing keys give an empty result.
 */
export function selectImpl(
  root: ContainerNode,
  key: string,
  options: { throwOnMissing: boolean; memo: Memo; resolveLast?: boolean },
): SelectResult {
  if (key === "") return { parent: root, lastKey: "", value: root };
  const split = splitKey(key);
  let cur: ContainerNode | undefined = root;
  for (let i = 0; i < split.length - 1 && cur; i++) {
    const found = selectOne(cur, split[i], options.throwOnMissing);
    const ret = found ? derefNode(found, options.memo) : undefined;
    if (ret !== undefined && !isContainer(ret)) {
      throw new ConfigTypeError(
        `Error trying to access ${key}: node \`${split.slice(0, i + 1).join(".")}\` is not a container and thus cannot contain \`${split[i + 1]}\``,
        { keyPath: ret.keyPath(), provenance: ret.provenance },
      );
    }
    cur = ret;
  }
  if (!cur) return {};
  const lastKey = split[split.length - 1];
  const value = selectOne(cur, lastKey, options.throwOnMissing);
  if (!value) return { parent: cur, lastKey };
  if (options.resolveLast === false) return { parent: cur, lastKey, value };
  if (options.memo.has(value)) {
    throw new InterpolationResolutionError("Recursive interpolation detected", {
      keyPath: value.keyPath(),
      provenance: value.provenance,
    });
  }
  return { parent: cur, lastKey, value: derefNode(value, options.memo) };
}

/** The list index a key names, or undefined when it is not an int. */
export function listIndex(list: ListNode, key: string | number): number | undefined {
  if (typeof key === "number") return key;
  if (!isIntString(key)) return undefined;
  const i = Number.parseInt(key.replaceAll("_", ""), 10);
  return i < 0 ? list.items.length + i : i;
}
