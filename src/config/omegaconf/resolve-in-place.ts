/** OmegaConf.resolve: replacing every interpolation of a tree by its value, in place. */
import { InterpolationToMissingValueError } from "./errors.js";
import { type ContainerNode, DictNode, ListNode, MISSING, type Node, ValueNode } from "./nodes.js";
import { derefNode } from "./resolve.js";

/** OmegaConf.resolve: replace every interpolation in the tree by its value, in place. */
export function resolve(root: ContainerNode): void {
  const children = root instanceof DictNode ? [...root.children.values()] : [...(root as ListNode).items];
  for (const child of children) {
    if (child instanceof ValueNode && child.isInterpolation()) {
      let target: Node;
      try {
        target = derefNode(child, new Set());
      } catch (e) {
        if (e instanceof InterpolationToMissingValueError) {
          child.value = MISSING;
          continue;
        }
        throw e;
      }
      const container = child.parent as ContainerNode;
      if (target instanceof ValueNode) {
        child.value = target.value;
      } else {
        resolve(target as ContainerNode);
        const copy = copyResolved(target as ContainerNode);
        copy.provenance = [...child.provenance];
        if (container instanceof DictNode) container.set(child.key as string, copy);
        else container.set(child.key as number, copy);
      }
    } else if (child instanceof DictNode || child instanceof ListNode) {
      resolve(child);
    }
  }
}

function copyResolved(node: ContainerNode): ContainerNode {
  // Values are already resolved; a structural copy keeps the target's own provenance.
  const out = node instanceof DictNode ? new DictNode() : new ListNode();
  const children = node instanceof DictNode ? [...node.children] : node.items.map((c, i) => [i, c] as const);
  for (const [k, c] of children) {
    const copy =
      c instanceof ValueNode ? new ValueNode(c.value, [...c.provenance]) : copyResolved(c as ContainerNode);
    if (out instanceof DictNode) out.set(k as string, copy);
    else out.append(copy);
  }
  Object.assign(out.flags, node.flags);
  return out;
}
