/** Shared helpers for the omegaconf tests: decoding the tagged JSON of the generated case files. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PyFloat } from "../../../src/common/pyvalue.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Read a case file from tests/config/omegaconf/cases/. */
export function loadCases<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, "cases", name), "utf8")) as T;
}

/** Decode `{"$float": "1.0"}` to PyFloat and `{"$dict": [[k, v], ...]}` to an object (keeping key order). */
export function untag(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untag);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$float === "string") {
      const s = o.$float;
      const x = s === "nan" ? Number.NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
      return new PyFloat(x);
    }
    if (Array.isArray(o.$dict)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of o.$dict as [string, unknown][]) out[k] = untag(x);
      return out;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, untag(x)]));
  }
  return v;
}

/** A comparable form of tree values: PyFloat becomes {float: repr} so 1 and 1.0 differ in deepEqual. */
export function comparable(v: unknown): unknown {
  if (v instanceof PyFloat) return { float: v.toString() };
  if (Array.isArray(v)) return v.map(comparable);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
  }
  return v;
}
