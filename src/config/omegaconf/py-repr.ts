/** Python's str()/repr() of config values, as string interpolation renders them. */
import { formatPyFloat, PyFloat, pyStr } from "../../common/pyvalue.js";
import { DictNode, ListNode, type Node, ValueNode } from "./nodes.js";

/** Python repr of a str: single quotes unless the text has a ' and no ", with Python's escapes. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Python repr of a scalar, plain JS value, or node (DictConfig prints like its dict of values). */
export function pyRepr(v: unknown): string {
  if (v instanceof ValueNode) return pyRepr(v.value);
  if (v instanceof DictNode) {
    return `{${[...v.children].map(([k, c]) => `${pyReprString(k)}: ${pyRepr(c)}`).join(", ")}}`;
  }
  if (v instanceof ListNode) return `[${v.items.map((c: Node) => pyRepr(c)).join(", ")}]`;
  if (typeof v === "string") return pyReprString(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof PyFloat) return formatPyFloat(v.value);
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, c]) => `${pyReprString(k)}: ${pyRepr(c)}`)
      .join(", ")}}`;
  }
  return pyStr(v);
}

/** Python str(): strings as-is, containers as their repr, scalars as pyStr. */
export function pyStrValue(v: unknown): string {
  if (v instanceof ValueNode) return pyStrValue(v.value);
  if (typeof v === "string") return v;
  if (v instanceof DictNode || v instanceof ListNode || Array.isArray(v)) return pyRepr(v);
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) return pyRepr(v);
  return pyStr(v);
}
