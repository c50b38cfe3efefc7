/**
 * Python's repr() and str() of plain data (str, list, dict, scalars), the one implementation every layer uses
 * to quote values the way Python prints them: interpolation, override errors, logger params, callback state
 * keys, the config tree. A layer with values of its own (config nodes, parsed overrides) passes a `custom` hook.
 */
import { formatPyFloat, PyFloat, pyStr } from "./pyvalue.js";

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

/** True for a plain `{}`-style object or a Map (Python's MutableMapping). */
export function isMapping(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A mapping's entries with Python str() keys (a Map may have non-string keys). */
export function mappingEntries(v: Record<string, unknown> | Map<unknown, unknown>): [string, unknown][] {
  return v instanceof Map ? [...v].map(([k, x]) => [pyStr(k), x]) : Object.entries(v);
}

/**
 * Python str() of any value: strings as they are; a class instance as its own toString, else Python's default
 * `<Name object>` shape; everything else as pyRepr (with `custom` consulted first, as pyRepr does).
 */
export function pyStrOf(v: unknown, custom?: (v: unknown) => string | undefined): string {
  if (typeof v === "string") return v;
  const own = custom?.(v);
  if (own !== undefined) return own;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !isMapping(v) && !(v instanceof PyFloat)) {
    const text = String(v);
    return text === "[object Object]" ? `<${v.constructor?.name ?? "object"} object>` : text;
  }
  return pyRepr(v, custom);
}

/**
 * Python repr of plain data: strings quoted, arrays as lists, plain objects and Maps as dicts, scalars as
 * pyStr. `custom` sees every value first (nested ones too) and returns the repr of the types its caller
 * knows (config nodes, parsed override values), or undefined for the rest.
 */
export function pyRepr(v: unknown, custom?: (v: unknown) => string | undefined): string {
  const own = custom?.(v);
  if (own !== undefined) return own;
  const inner = (x: unknown) => pyRepr(x, custom);
  if (typeof v === "string") return pyReprString(v);
  if (v instanceof PyFloat) return formatPyFloat(v.value);
  if (Array.isArray(v)) return `[${v.map(inner).join(", ")}]`;
  if (isMapping(v)) {
    return `{${mappingEntries(v)
      .map(([k, x]) => `${pyReprString(k)}: ${inner(x)}`)
      .join(", ")}}`;
  }
  return pyStr(v);
}
