/** Python's str() of config values, as string interpolation renders them (common/pyrepr.ts does the work). */
import { pyRepr, pyReprString, pyStrOf } from "../../common/pyrepr.js";
import { DictNode, ListNode, type Node, ValueNode } from "./nodes.js";

// Config nodes print as the values they hold (a DictConfig like its dict); other values as plain data.
function nodeRepr(v: unknown): string | undefined {
  if (v instanceof ValueNode) return pyRepr(v.value, nodeRepr);
  if (v instanceof DictNode) {
    return `{${[...v.children].map(([k, c]) => `${pyReprString(k)}: ${pyRepr(c, nodeRepr)}`).join(", ")}}`;
  }
  if (v instanceof ListNode) return `[${v.items.map((c: Node) => pyRepr(c, nodeRepr)).join(", ")}]`;
  return undefined;
}

/** Python str() of a scalar, plain JS value or node: strings as they are, the rest as their repr. */
export function nodeStr(v: unknown): string {
  return pyStrOf(v instanceof ValueNode ? v.value : v, nodeRepr);
}
