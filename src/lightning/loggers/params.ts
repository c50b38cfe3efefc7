/**
 * Hyperparameter helpers shared by the loggers, after lightning.fabric.utilities.logger: convert, flatten with
 * `/`, sanitize to loggable primitives (with Python's str() for the rest), and prefix metric names.
 */
import { formatPyFloat, PyFloat, pyStr } from "../../common/pyvalue.js";

/** True for a plain `{}`-style object or a Map (Python's MutableMapping). */
export function isMapping(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function entriesOf(v: Record<string, unknown> | Map<unknown, unknown>): [string, unknown][] {
  return v instanceof Map ? [...v].map(([k, x]) => [pyStr(k), x]) : Object.entries(v);
}

/** `_convert_params`: undefined/null become `{}`; a Map becomes a plain object. */
export function convertParams(params: Record<string, unknown> | Map<string, unknown> | null | undefined) {
  if (params === null || params === undefined) return {} as Record<string, unknown>;
  return Object.fromEntries(entriesOf(params));
}

/** `_flatten_dict`: nested mappings become `parent/child` keys; other values (lists too) stay as they are. */
export function flattenDict(
  params: Record<string, unknown>,
  delimiter = "/",
  parentKey = "",
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = parentKey ? `${parentKey}${delimiter}${k}` : k;
    if (isMapping(v)) Object.assign(result, flattenDict(Object.fromEntries(entriesOf(v)), delimiter, key));
    else result[key] = v;
  }
  return result;
}

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's repr() of a value as it would look after the config round trip (lists, dicts, scalars). */
export function pyRepr(v: unknown): string {
  if (typeof v === "string") return pyReprString(v);
  if (v instanceof PyFloat) return formatPyFloat(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (isMapping(v))
    return `{${entriesOf(v)
      .map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x)}`)
      .join(", ")}}`;
  return pyStr(v);
}

/** Python's str() of a value: strings as they are, containers and others as repr(). */
export function pyStrOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !isMapping(v) && !(v instanceof PyFloat)) {
    // A class instance: its own toString when it has one, else Python's default `<Name object>` shape.
    const own = String(v);
    return own === "[object Object]" ? `<${v.constructor?.name ?? "object"} object>` : own;
  }
  return pyRepr(v);
}

/** `_sanitize_params`: numbers, strings and booleans stay; everything else becomes its Python str(). */
export function sanitizeParams(params: Record<string, unknown>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[k] = v;
    else if (v instanceof PyFloat) out[k] = v.value;
    else if (typeof v === "bigint") out[k] = Number(v);
    else out[k] = pyStrOf(v);
  }
  return out;
}

/** `_add_prefix`: `prefix<sep>key` for every key when a prefix is set. */
export function addPrefix<T>(
  metrics: Record<string, T>,
  prefix: string,
  separator: string,
): Record<string, T> {
  if (!prefix) return metrics;
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${prefix}${separator}${k}`, v]));
}
