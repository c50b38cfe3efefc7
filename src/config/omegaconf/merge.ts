/** OmegaConf.merge semantics: dicts merge recursively, lists and scalars are replaced, `???` never overrides. */
import { assignChild, checkWritable } from "./assign.js";
import { ValidationError } from "./errors.js";
import {
  type ContainerNode,
  copyNode,
  DictNode,
  isContainer,
  ListNode,
  type Node,
  ValueNode,
} from "./nodes.js";
import { derefNode } from "./resolve.js";

function typeName(n: Node): string {
  return n instanceof DictNode ? "DictConfig" : n instanceof ListNode ? "ListConfig" : "a value";
}

/** Merge `source` into `target` in place (OmegaConf's merge_with); provenance chains are appended. */
export function merge(target: ContainerNode, source: Node): void {
  if (target instanceof DictNode && source instanceof DictNode) mapMerge(target, source);
  else if (target instanceof ListNode && source instanceof ListNode) listMerge(target, source);
  else {
    throw new ValidationError(`Cannot merge ${typeName(target)} with ${typeName(source)}`, {
      keyPath: target.keyPath() || undefined,
      provenance: source.provenance,
    });
  }
}

/** OmegaConf.merge: a new tree from a copy of the first config with the others merged into it in order. */
export function mergeConfigs(...nodes: Node[]): ContainerNode {
  if (nodes.length === 0) return new DictNode();
  const first = nodes[0];
  if (!isContainer(first))
    throw new ValidationError(`Cannot merge into ${typeName(first)}; the first config must be a container`);
  const target = copyNode(first);
  const readonly = target.flags.readonly;
  target.setFlag("readonly", false);
  try {
    for (const n of nodes.slice(1)) merge(target, n);
  } finally {
    target.setFlag("readonly", readonly);
  }
  return target;
}

function copyFlags(dest: Node, src: Node): void {
  for (const [flag, value] of Object.entries(src.flags)) {
    if (value !== undefined) dest.setFlag(flag as keyof Node["flags"], value);
  }
}

function mapMerge(dest: DictNode, src: DictNode): void {
  for (const [key, srcNode] of src.children) {
    let destNode = dest.get(key);
    const srcMissing = srcNode instanceof ValueNode && srcNode.isMissing();
    if (destNode instanceof ValueNode && destNode.isInterpolation()) {
      // OmegaConf replaces an interpolation to a dict/list by a copy of its target before merging into it.
      let deref: Node | undefined;
      try {
        deref = derefNode(destNode, new Set());
      } catch {
        deref = undefined;
      }
      if (deref && isContainer(deref)) {
        destNode = assignChild(dest, key, copyNode(deref));
      }
    }
    if (destNode === undefined) {
      assignChild(dest, key, copyNode(srcNode));
    } else if (isContainer(destNode)) {
      if (isContainer(srcNode)) {
        merge(destNode, srcNode);
      } else if (!srcMissing) {
        assignChild(dest, key, copyNode(srcNode));
      }
    } else if (!srcMissing || isContainer(srcNode)) {
      assignChild(dest, key, copyNode(srcNode));
    }
  }
  checkWritable(dest);
  copyFlags(dest, src);
  dest.provenance.push(...src.provenance);
}

function listMerge(dest: ListNode, src: ListNode): void {
  checkWritable(dest);
  for (const old of dest.items) old.parent = null;
  dest.items.length = 0;
  for (const item of src.items) dest.append(copyNode(item));
  copyFlags(dest, src);
  dest.provenance.push(...src.provenance);
}
