/**
 * Encodes parsed override values as the tagged JSON used by the case files, so that floats stay apart from
 * ints (`{"float": "1.0"}`), quoted strings from plain ones (`{"quoted": "a", "q": "'"}`) and dict entries keep
 * their order (`{"dict": [[key, value], ...]}`).
 */

import { formatPyFloat, PyFloat } from "../../../src/common/pyvalue.js";
import {
  ChoiceSweep,
  Glob,
  IntervalSweep,
  QuotedString,
  RangeSweep,
} from "../../../src/config/overrides/index.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function tagsOf(tags: Set<string>): { tags?: string[] } {
  return tags.size > 0 ? { tags: [...tags].sort() } : {};
}

/** The tagged-JSON form of any value the parser produces. */
export function encode(v: unknown): Json {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? v : { float: formatPyFloat(v) };
  if (v instanceof PyFloat) return { float: formatPyFloat(v.value) };
  if (v instanceof QuotedString) return { quoted: v.text, q: v.quote };
  if (Array.isArray(v)) return v.map(encode);
  if (v instanceof ChoiceSweep)
    return {
      choice: v.list.map(encode),
      ...(v.simpleForm ? { simple: true } : {}),
      ...(v.shuffle ? { shuffle: true } : {}),
      ...tagsOf(v.tags),
    };
  if (v instanceof RangeSweep)
    return {
      range: [encode(v.start), encode(v.stop), encode(v.step)],
      ...(v.shuffle ? { shuffle: true } : {}),
      ...tagsOf(v.tags),
    };
  if (v instanceof IntervalSweep) return { interval: [encode(v.start), encode(v.end)], ...tagsOf(v.tags) };
  if (v instanceof Glob) return { glob: [v.include, v.exclude] };
  if (typeof v === "object") return { dict: Object.entries(v as object).map(([k, x]) => [k, encode(x)]) };
  throw new Error(`cannot encode ${String(v)}`);
}
