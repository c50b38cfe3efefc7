/**
 * `hparams.yaml` as Lightning's save_hparams_to_yaml writes it with OmegaConf present: PyYAML block style,
 * keys in insertion order, floats as Python repr (`0.05`, `1.0`, `1.0e-05`), strings that would read back as
 * another type single-quoted (YAML 1.1 rules, so `'yes'`, `'n'`, `'1'`), LF line endings.
 */

import { dirname } from "node:path";
import { type ScalarTag, stringify } from "yaml";
import { writeFileAtomic } from "../../common/files.js";
import { isMapping } from "../../common/pyrepr.js";
import { formatPyFloat, PyFloat } from "../../common/pyvalue.js";
import { isDir } from "./files.js";

/** PyYAML's represent_float: `.nan`, `.inf`, repr in lower case with `.0` before a bare exponent. */
function pyYamlFloat(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Number.POSITIVE_INFINITY) return ".inf";
  if (x === Number.NEGATIVE_INFINITY) return "-.inf";
  const r = formatPyFloat(x).toLowerCase();
  return !r.includes(".") && r.includes("e") ? r.replace("e", ".0e") : r;
}

const pyFloatTag: ScalarTag = {
  identify: (v) => v instanceof PyFloat,
  default: true,
  tag: "tag:yaml.org,2002:float",
  resolve: (s) => new PyFloat(Number(s)),
  stringify: (item) => pyYamlFloat((item.value as PyFloat).value),
};

const UNSUPPORTED = Symbol("unsupported");

/** Plain YAML data with floats as PyFloat, or UNSUPPORTED when a value has no YAML form (functions, class instances). */
function toYamlData(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isInteger(v) ? v : new PyFloat(v);
  if (typeof v === "string" || typeof v === "boolean" || v instanceof PyFloat) return v;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) {
    const items = v.map(toYamlData);
    return items.includes(UNSUPPORTED) ? UNSUPPORTED : items;
  }
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v instanceof Map ? [...v] : Object.entries(v)) {
      const data = toYamlData(x);
      if (data === UNSUPPORTED) return UNSUPPORTED;
      out[String(k)] = data;
    }
    return out;
  }
  return UNSUPPORTED;
}

/** The text of hparams.yaml for these hyperparameters. */
export function hparamsYaml(hparams: Record<string, unknown>): string {
  const entries = Object.entries(hparams).map(([k, v]) => [k, toYamlData(v)] as const);
  let data: Record<string, unknown>;
  if (entries.some(([, v]) => v === UNSUPPORTED)) {
    // OmegaConf.save refuses the whole dict; Lightning then falls back to yaml.dump, which sorts the keys
    // and skips what it cannot dump.
    data = {};
    for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (v === UNSUPPORTED) {
        process.emitWarning(`Skipping '${k}' parameter because it is not possible to safely dump to YAML.`);
      } else data[k] = v;
    }
  } else data = Object.fromEntries(entries);
  if (Object.keys(data).length === 0) return "{}\n";
  return stringify(data, {
    version: "1.1",
    customTags: [pyFloatTag],
    indentSeq: false,
    singleQuote: true,
    nullStr: "null",
    trueStr: "true",
    falseStr: "false",
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}

/** save_hparams_to_yaml: writes `hparams.yaml` atomically; the folder must exist. */
export function saveHparamsToYaml(path: string, hparams: Record<string, unknown>): void {
  if (!isDir(dirname(path))) throw new Error(`Missing folder: ${dirname(path)} (cannot write ${path}).`);
  writeFileAtomic(path, hparamsYaml(hparams));
}
