/**
 * Python's `format(value, spec)` for ints and floats and `str.format` for `{0[key]:spec}` fields: what
 * ModelCheckpoint's filename templates (`epoch_{epoch:03d}`, `{val/acc:.2f}`) and Lightning's log messages
 * need. Written here rather than taken from a sprintf library because Python's rules differ from C's in the
 * details users see in file names: round-half-even ties, two-digit exponents, `g` trimming, `,` grouping.
 */
import { formatPyFloat } from "../../common/pyvalue.js";

/** A number together with whether Python would hold it as an int (epoch, step) or a float (metrics). */
export interface PyNumber {
  value: number;
  isInt: boolean;
}

interface Spec {
  fill: string;
  align: string | null;
  sign: string;
  alternate: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | null;
  type: string;
}

const SPEC_RE = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

function parseSpec(spec: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (m === null) throw new Error(`Invalid format specifier '${spec}'`);
  return {
    fill: m[1] ?? (m[6] && !m[2] ? "0" : " "),
    align: m[2] ?? (m[6] ? "=" : null),
    sign: m[3] ?? "-",
    alternate: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] ? Number(m[7]) : 0,
    grouping: m[8] ?? "",
    precision: m[9] !== undefined ? Number(m[9]) : null,
    type: m[10] ?? "",
  };
}

/** `x.toFixed(p)` with Python's round-half-even on exact ties (JS rounds them up). */
function toFixedEven(x: number, p: number): string {
  const s = x.toFixed(p);
  const exact = x.toFixed(Math.min(100, p + 25));
  const tail = exact.slice(exact.length - (Math.min(100, p + 25) - p));
  if (/^50*$/.test(tail)) {
    // An exact tie: keep the even neighbour (round the magnitude down when its last kept digit is even).
    const down = exact.slice(0, exact.length - tail.length).replace(/\.$/, "");
    const lastDigit = Number(down.replace(".", "").slice(-1));
    if (lastDigit % 2 === 0) return down;
  }
  return s;
}

function exponential(x: number, p: number): string {
  // JS rounds exact ties up where Python rounds half-even; ties in the mantissa are too rare to matter here.
  const [mant, exp] = x.toExponential(p).split("e") as [string, string];
  const e = Number(exp);
  const sign = e < 0 ? "-" : "+";
  return `${mant}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
}

function general(x: number, precision: number | null, alternate: boolean, reprLike: boolean): string {
  const p = precision === null ? 6 : Math.max(precision, 1);
  if (x === 0) return alternate ? `0.${"0".repeat(p - 1)}` : reprLike ? "0.0" : "0";
  const rounded = Number(x.toExponential(p - 1));
  const exp = Math.floor(Math.log10(Math.abs(rounded)));
  let out: string;
  if (exp >= -4 && exp < p) {
    out = toFixedEven(x, Math.max(0, p - 1 - exp));
    if (!alternate && out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
    if (reprLike && !out.includes(".")) out += ".0";
  } else {
    out = exponential(x, p - 1);
    if (!alternate) out = out.replace(/\.?0+e/, "e");
  }
  return out;
}

function group(intPart: string, sep: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

function body(n: PyNumber, spec: Spec): string {
  const x = Math.abs(n.value);
  if (Number.isNaN(n.value))
    return spec.type === "F" || spec.type === "E" || spec.type === "G" ? "NAN" : "nan";
  if (!Number.isFinite(x)) return spec.type === "F" || spec.type === "E" || spec.type === "G" ? "INF" : "inf";
  switch (spec.type) {
    case "d":
    case "n":
      if (!n.isInt) throw new Error(`Unknown format code '${spec.type}' for object of type 'float'`);
      return String(x);
    case "f":
    case "F":
      return toFixedEven(x, spec.precision ?? 6) + (spec.alternate && spec.precision === 0 ? "." : "");
    case "e":
    case "E": {
      const s = exponential(x, spec.precision ?? 6);
      return spec.type === "E" ? s.toUpperCase() : s;
    }
    case "g":
    case "G": {
      const s = general(x, spec.precision, spec.alternate, false);
      return spec.type === "G" ? s.toUpperCase() : s;
    }
    case "%":
      return `${toFixedEven(x * 100, spec.precision ?? 6)}%`;
    case "":
      if (n.isInt) return String(x);
      if (spec.precision === null) return formatPyFloat(x);
      return general(x, spec.precision, spec.alternate, true);
    default:
      throw new Error(`Unknown format code '${spec.type}' for object of type '${n.isInt ? "int" : "float"}'`);
  }
}

/** Python's `format(value, spec)` for an int or a float. */
export function pyFormatNumber(n: PyNumber, spec: string): string {
  const s = parseSpec(spec);
  let digits = body(n, s);
  if (s.grouping !== "") {
    const [intPart, rest] = splitNumber(digits);
    digits = group(intPart, s.grouping) + rest;
  }
  const negative = n.value < 0 || Object.is(n.value, -0);
  const signStr = negative ? "-" : s.sign === "+" ? "+" : s.sign === " " ? " " : "";
  const pad = Math.max(0, s.width - signStr.length - digits.length);
  const align = s.align ?? ">";
  if (align === "=") return signStr + s.fill.repeat(pad) + digits;
  const text = signStr + digits;
  if (align === "<") return text + s.fill.repeat(pad);
  if (align === "^") return s.fill.repeat(Math.floor(pad / 2)) + text + s.fill.repeat(Math.ceil(pad / 2));
  return s.fill.repeat(pad) + text;
}

function splitNumber(digits: string): [string, string] {
  const m = /^(\d+)(.*)$/s.exec(digits);
  return m === null ? [digits, ""] : [m[1]!, m[2]!];
}

/**
 * Python's `template.format(values)` restricted to fields `{0[key]}` and `{0[key]:spec}` (what Lightning's
 * format_checkpoint_name builds), with `{{` and `}}` escapes.
 */
export function pyFormatKeyed(template: string, lookup: (key: string) => PyNumber): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === "{" && template[i + 1] === "{") {
      out += "{";
      i += 2;
    } else if (c === "}" && template[i + 1] === "}") {
      out += "}";
      i += 2;
    } else if (c === "{") {
      const close = template.indexOf("}", i);
      if (close < 0) throw new Error(`Single '{' encountered in format string '${template}'`);
      const field = template.slice(i + 1, close);
      const m = /^0\[([^\]]*)\](?::(.*))?$/s.exec(field);
      if (m === null) throw new Error(`Unsupported replacement field '{${field}}' in '${template}'`);
      out += pyFormatNumber(lookup(m[1]!), m[2] ?? "");
      i = close + 1;
    } else if (c === "}") {
      throw new Error(`Single '}' encountered in format string '${template}'`);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
