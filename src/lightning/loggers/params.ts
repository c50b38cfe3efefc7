/**
 * Hyperparameter helpers shared by the loggers, after lightning.fabric.utilities.logger: convert, flatten with
 * `/`, sanitize to loggable primitives (with Python's str() for the rest), and prefix metric names.
 */
import { isMapping, mappingEntries, pyStrOf } from "../../common/pyrepr.js";
import { PyFloat } from "../../common/pyvalue.js";

/** `_convert_params`: undefined/null become `{}`; a Map becomes a plain object. */
export function convertParams(params: Record<string, unknown> | Map<string, unknown> | null | undefined) {
  if (params === null || params === undefined) return {} as Record<string, unknown>;
  return Object.fromEntries(mappingEntries(params));
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
    if (isMapping(v))
      Object.assign(result, flattenDict(Object.fromEntries(mappingEntries(v)), delimiter, key));
    else result[key] = v;
  }
  return result;
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
