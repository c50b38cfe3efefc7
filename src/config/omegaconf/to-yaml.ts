/** OmegaConf.to_yaml: the same text PyYAML writes for the config. */
import { formatPyFloat, PyFloat } from "../../common/pyvalue.js";
import type { ContainerNode } from "./nodes.js";
import { toContainer } from "./plain.js";
import { resolvesAsNonString } from "./pyyaml-resolvers.js";
import { YamlWriter } from "./yaml-emit.js";

/** Options of toYaml. */
export interface ToYamlOptions {
  /** Resolve interpolations first (default false). */
  resolve?: boolean;
  /** Sort mapping keys (default false: insertion order). */
  sortKeys?: boolean;
}

// OmegaConf's str representer quotes strings that look like bools, ints or floats.
const OMEGACONF_BOOL = new Set(
  "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF".split(" "),
);
const PY_INT = /^\s*[+-]?[0-9](?:_?[0-9])*\s*$/;
const PY_DIGITS = "[0-9](?:_?[0-9])*";
const PY_FLOAT = new RegExp(
  `^\\s*[+-]?(?:(?:${PY_DIGITS})?\\.${PY_DIGITS}(?:[eE][+-]?${PY_DIGITS})?|${PY_DIGITS}\\.?(?:[eE][+-]?${PY_DIGITS})?|inf|infinity|nan)\\s*$`,
  "i",
);

/** PyYAML's represent_float: `.nan`, `.inf`, repr in lower case with `.0` before a bare exponent. */
export function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Number.POSITIVE_INFINITY) return ".inf";
  if (x === Number.NEGATIVE_INFINITY) return "-.inf";
  const r = formatPyFloat(x).toLowerCase();
  return !r.includes(".") && r.includes("e") ? r.replace("e", ".0e") : r;
}

function writeScalar(w: YamlWriter, value: unknown, simpleKey: boolean): void {
  if (typeof value === "string") {
    const forceQuote = OMEGACONF_BOOL.has(value) || PY_INT.test(value) || PY_FLOAT.test(value);
    const implicitPlain = !resolvesAsNonString(value);
    w.writeScalar(value, { implicitPlain, forceQuote, simpleKey });
    return;
  }
  let text: string;
  if (value === null || value === undefined) text = "null";
  else if (typeof value === "boolean") text = value ? "true" : "false";
  else if (value instanceof PyFloat) text = yamlFloat(value.value);
  else if (typeof value === "number") text = Number.isInteger(value) ? String(value) : yamlFloat(value);
  else text = String(value);
  w.writePlain(text, !simpleKey);
}

function isEmptyCollection(v: unknown): boolean {
  return Array.isArray(v)
    ? v.length === 0
    : v !== null && typeof v === "object" && !(v instanceof PyFloat) && Object.keys(v).length === 0;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat);
}

/** expect_node for a value: scalars, `{}`/`[]`, or nested block collections. */
function writeNode(w: YamlWriter, value: unknown, ctx: { mapping: boolean; sortKeys: boolean }): void {
  const saved = w.indent;
  if (isEmptyCollection(value)) {
    w.writeIndicator(Array.isArray(value) ? "[" : "{", true, true);
    w.writeIndicator(Array.isArray(value) ? "]" : "}", false);
  } else if (Array.isArray(value)) {
    // A block sequence that is a mapping value is not indented (PyYAML's "indentless" sequence).
    if (!(ctx.mapping && !w.indention)) w.indent = saved + 2;
    for (const item of value) {
      w.writeIndent();
      w.writeIndicator("-", true, false, true);
      writeNode(w, item, { mapping: false, sortKeys: ctx.sortKeys });
    }
  } else if (isMapping(value)) {
    w.indent = saved + 2;
    writeMappingBody(w, value, ctx.sortKeys);
  } else {
    w.indent = saved + 2;
    writeScalar(w, value, false);
  }
  w.indent = saved;
}

function writeMappingBody(w: YamlWriter, map: Record<string, unknown>, sortKeys: boolean): void {
  const keys = Object.keys(map);
  if (sortKeys) keys.sort();
  for (const key of keys) {
    w.writeIndent();
    // check_simple_key: the key plus its prepared tag (`!!str`) must stay under 128 chars, on one line.
    const simple = key.length > 0 && !/[\n\x85\u2028\u2029]/.test(key) && [...key].length + 5 < 128;
    if (simple) {
      writeScalarIndented(w, key, true);
      w.writeIndicator(":", false);
    } else {
      w.writeIndicator("?", true, false, true);
      writeScalarIndented(w, key, false);
      w.writeIndent();
      w.writeIndicator(":", true, false, true);
    }
    writeNode(w, map[key], { mapping: true, sortKeys });
  }
}

function writeScalarIndented(w: YamlWriter, key: string, simpleKey: boolean): void {
  const saved = w.indent;
  w.indent = saved + 2;
  writeScalar(w, key, simpleKey);
  w.indent = saved;
}

/** Dump plain data (as toContainer gives it, floats as PyFloat or numbers) as PyYAML's block-style YAML. */
export function dumpYaml(data: unknown, sortKeys = false): string {
  const w = new YamlWriter();
  if (isEmptyCollection(data)) {
    w.write(Array.isArray(data) ? "[]" : "{}");
  } else if (Array.isArray(data)) {
    for (const item of data) {
      w.writeIndent();
      w.writeIndicator("-", true, false, true);
      writeNode(w, item, { mapping: false, sortKeys });
    }
  } else if (isMapping(data)) {
    writeMappingBody(w, data, sortKeys);
  } else {
    writeScalar(w, data, false);
  }
  return `${w.out}\n`;
}

/** OmegaConf.to_yaml: block-style YAML as PyYAML dumps it (quotes only where needed, floats as Python repr). */
export function toYaml(node: ContainerNode, options: ToYamlOptions = {}): string {
  const data = toContainer(node, { resolve: options.resolve ?? false, keepFloats: true });
  return dumpYaml(data, options.sortKeys ?? false);
}
