/**
 * Python's `json.dumps` / `json.loads` as Optuna's journal uses them: floats printed by `repr` (`96.0`,
 * `0.0001`), `NaN` / `Infinity` literals, ASCII-only strings, and the two separator styles (the journal line is
 * compact, the distribution JSON inside it uses `", "` and `": "`). A float that is integral in JavaScript must
 * be a PyFloat to print as a float.
 */
import { formatPyFloat, PyFloat } from "../common/pyvalue.js";

/** A value Python's json module can write. */
export type PyJson = null | boolean | number | PyFloat | string | PyJson[] | { [key: string]: PyJson };

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || (c > 0x7e && c <= 0xffff)) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else if (c > 0xffff) {
      const v = c - 0x10000;
      out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
    } else out += ch;
  }
  return `${out}"`;
}

function floatText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  return formatPyFloat(x);
}

/** `json.dumps(value)` (default separators) or, with `compact`, `separators=(",", ":")`. */
export function pyJsonDumps(value: unknown, compact = false): string {
  const item = compact ? "," : ", ";
  const key = compact ? ":" : ": ";
  const write = (v: unknown): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (v instanceof PyFloat) return floatText(v.value);
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : floatText(v);
    if (typeof v === "string") return quote(v);
    if (Array.isArray(v)) return `[${v.map(write).join(item)}]`;
    if (typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      return `{${entries.map(([k, x]) => `${quote(k)}${key}${write(x)}`).join(item)}}`;
    }
    throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);
  };
  return write(value);
}

/** `json.loads`: also accepts NaN and ±Infinity; with `keepFloats`, float literals come back as PyFloat. */
export function pyJsonLoads(text: string, keepFloats = false): PyJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i} of JSON text`);
  };
  const skip = <T>(v: T): T => {
    i++;
    return v;
  };
  const ws = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const literal = (word: string, value: PyJson): PyJson => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail("Unexpected token");
  };
  const num = (): PyJson => {
    const m = /^-?(?:Infinity|\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) return fail("Invalid number");
    i += m[0].length;
    const x = m[0].endsWith("Infinity") ? (m[0][0] === "-" ? -Infinity : Infinity) : Number(m[0]);
    const isFloat = m[1] !== undefined || m[2] !== undefined || !Number.isFinite(x);
    return keepFloats && isFloat ? new PyFloat(x) : x;
  };
  const str = (): string => {
    i++;
    let out = "";
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        out += ({ n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" } as Record<string, string>)[e] ?? e;
        i += 2;
      } else out += text[i++];
    }
    if (text[i] !== '"') fail("Unterminated string");
    i++;
    return out;
  };
  const value = (): PyJson => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [key: string]: PyJson } = {};
      ws();
      if (text[i] === "}") return skip(obj);
      for (;;) {
        ws();
        if (text[i] !== '"') fail("Expecting property name");
        const k = str();
        ws();
        if (text[i++] !== ":") fail("Expecting ':' delimiter");
        Object.defineProperty(obj, k, {
          value: value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return skip(obj);
        else fail("Expecting ',' delimiter");
      }
    }
    if (c === "[") {
      i++;
      const arr: PyJson[] = [];
      ws();
      if (text[i] === "]") return skip(arr);
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return skip(arr);
        else fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return str();
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    if (c === "N") return literal("NaN", keepFloats ? new PyFloat(Number.NaN) : Number.NaN);
    return num();
  };
  const v = value();
  ws();
  if (i !== text.length) fail("Extra data");
  return v;
}
