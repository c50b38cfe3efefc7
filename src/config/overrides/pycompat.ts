/**
 * The few pieces of Python semantics the grammar functions depend on: type names, `<` between values,
 * `sorted()` (with CPython's comparison order, so mixed-type errors name the same pair of types), int()/float()
 * of strings, str() of values, repr() of strings and fnmatch. Hydra's error messages quote these verbatim.
 */
import { pyRepr, pyReprString } from "../../common/pyrepr.js";
import { PyFloat } from "../../common/pyvalue.js";
import { ChoiceSweep, Glob, IntervalSweep, isDict, QuotedString, RangeSweep } from "./types.js";

/** A Python exception raised while evaluating a grammar function: `<type> while evaluating '...': <message>`. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

/** Python's `type(v).__name__` for the values the grammar produces. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (v instanceof PyFloat) return "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (v instanceof QuotedString) return "QuotedString";
  if (v instanceof ChoiceSweep) return "ChoiceSweep";
  if (v instanceof RangeSweep) return "RangeSweep";
  if (v instanceof IntervalSweep) return "IntervalSweep";
  if (v instanceof Glob) return "Glob";
  if (isDict(v)) return "dict";
  return typeof v;
}

// Parsed override values beyond plain data: QuotedString shows its fields, the rest (sweeps, globs) its type.
function overrideValueRepr(v: unknown): string | undefined {
  if (v instanceof QuotedString) return `QuotedString(text=${pyReprString(v.text)}, quote=${v.quote})`;
  if (typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof PyFloat) && !isDict(v)) {
    return pyTypeName(v);
  }
  if (typeof v === "bigint" || typeof v === "function" || typeof v === "symbol") return pyTypeName(v);
  return undefined;
}

/** Python's repr() of a parsed override value (for messages such as `Invalid arguments: (...)`). */
export function parsedValueRepr(v: unknown): string {
  return pyRepr(v, overrideValueRepr);
}

/** A value usable as a Python number (bool and int count), or null. */
export function asNumber(v: unknown): number | null {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (v instanceof PyFloat) return v.value;
  return null;
}

/** Python `a == b` for parsed values. */
export function pyEq(a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEq(x, b[i]));
  }
  if (a instanceof QuotedString && b instanceof QuotedString) return a.text === b.text && a.quote === b.quote;
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(a[k], b[k]));
  }
  return a === b;
}

/** Python `a < b`; raises TypeError for types that do not order, like Python does. */
export function pyLess(a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null) return na < nb;
  if (typeof a === "string" && typeof b === "string") return a < b;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!pyEq(a[i], b[i])) return pyLess(a[i], b[i]);
    return a.length < b.length;
  }
  throw new PyError(
    "TypeError",
    `'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`,
  );
}

/** Python `sorted(items, reverse=...)`: a stable sort making the same `<` calls as CPython on short lists. */
export function pySorted<V>(items: readonly V[], reverse = false): V[] {
  const a = [...items];
  if (reverse) a.reverse(); // CPython reverses before and after sorting to keep the sort stable
  if (a.length > 1) {
    // count_run: the leading ascending (or strictly descending) run
    let n = 2;
    if (pyLess(a[1], a[0])) {
      while (n < a.length && pyLess(a[n], a[n - 1])) n++;
      a.splice(0, n, ...a.slice(0, n).reverse());
    } else {
      while (n < a.length && !pyLess(a[n], a[n - 1])) n++;
    }
    // binarysort the rest into the run
    for (let start = n; start < a.length; start++) {
      const pivot = a[start];
      let l = 0;
      let r = start;
      while (l < r) {
        const p = l + ((r - l) >> 1);
        if (pyLess(pivot, a[p])) r = p;
        else l = p + 1;
      }
      a.splice(start, 1);
      a.splice(l, 0, pivot);
    }
  }
  if (reverse) a.reverse();
  return a;
}

/** Python `int(s)` for a str. */
export function pyIntFromStr(s: string): number {
  const t = s.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t))
    throw new PyError("ValueError", `invalid literal for int() with base 10: ${pyReprString(s)}`);
  const n = Number(BigInt(t.replaceAll("_", "")));
  return n === 0 ? 0 : n;
}

/** Python `float(s)` for a str. */
export function pyFloatFromStr(s: string): number {
  const t = s.trim().toLowerCase();
  const m = /^([+-]?)(inf|infinity|nan)$/.exec(t);
  if (m) return m[2] === "nan" ? Number.NaN : m[1] === "-" ? -Infinity : Infinity;
  const d = "\\d+(_\\d+)*";
  if (!new RegExp(`^[+-]?((${d})(\\.(${d})?)?|\\.${d})(e[+-]?${d})?$`).test(t))
    throw new PyError("ValueError", `could not convert string to float: ${pyReprString(s)}`);
  return Number(t.replaceAll("_", ""));
}

/** Python `int(x)` for a number (truncates floats; inf and nan raise like Python). */
export function pyIntFromNumber(x: number): number {
  if (Number.isNaN(x)) throw new PyError("ValueError", "cannot convert float NaN to integer");
  if (!Number.isFinite(x)) throw new PyError("OverflowError", "cannot convert float infinity to integer");
  const n = Math.trunc(x);
  return n === 0 ? 0 : n;
}

/** Python's fnmatch.fnmatchcase (POSIX fnmatch is case-sensitive): `*`, `?`, `[seq]`, `[!seq]`. */
export function fnmatch(name: string, pattern: string): boolean {
  let re = "";
  const p = Array.from(pattern);
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      let j = i + 1;
      if (p[j] === "!") j++;
      if (p[j] === "]") j++;
      while (j < p.length && p[j] !== "]") j++;
      if (j >= p.length) re += "\\[";
      else {
        let body = p
          .slice(i + 1, j)
          .join("")
          .replaceAll("\\", "\\\\");
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        else if (body.startsWith("^")) body = `\\${body}`;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^(?:${re})$`, "su").test(name);
}
