/** Python's str()/repr() of config values, as string interpolation renders them. */
import { pyRepr as plainPyRepr, pyReprString } from "../../common/pyrepr.js";
import { PyFloat, pyStr } from "../../common/pyvalue.js";
import { DictNode, ListNode, type Node, ValueNode } from "./nodes.js";

// Config nodes print as the values they hold (a DictConfig like its dict); other values as plain data.
function nodeRepr(v: unknown): string | undefined {
  if (v instanceof ValueNode) return pyRepr(v.value);
  if (v instanceof DictNode) {
    return `{${[...v.children].map(([k, c]) => `${pyReprString(k)}: ${pyRepr(c)}`).join(", ")}}`;
  }
  if (v instanceof ListNode) return `[${v.items.map((c: Node) => pyRepr(c)).join(", ")}]`;
  return undefined;
}

/** Python repr of a scalar, plain JS value, or node (DictConfig prints like its dict of values). */
export function pyRepr(v: unknown): string {
  return plainPyRepr(v, nodeRepr);
}

/** Python str(): strings as-is, containers as their repr, scalars as pyStr. */
export function pyStrValue(v: unknown): string {
  if (v instanceof ValueNode) return pyStrValue(v.value);
  if (typeof v === "string") return v;
  if (v instanceof DictNode || v instanceof ListNode || Array.isArray(v)) return pyRepr(v);
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) return pyRepr(v);
  return pyStr(v);
}
