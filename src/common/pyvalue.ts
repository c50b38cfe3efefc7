/**
 * src/common is the bottom layer: every layer may import it and it imports nothing of Kiln.
 * Python's view of scalar values, shared by everything that must print a value the way Python would
 * (composed YAML, string interpolation, CSV cells, MLflow params, pickles). JS numbers lose the int/float
 * distinction of integral floats (`1.0`), so floats that must stay floats are wrapped in PyFloat.
 */

/** A float literal that must keep Python's float-ness (`1.0`, `1e-3`, `inf`, `nan`) when printed. */
export class PyFloat {
  constructor(readonly value: number) {}
  /** Python's repr of the float. */
  toString(): string {
    return formatPyFloat(this.value);
  }
  valueOf(): number {
    return this.value;
  }
}

/** Python `repr(float)`: shortest round-trip digits, `1.0`, `1e-05`, `1e+16`, `inf`, `nan`. */
export function formatPyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // Shortest round-trip digits and decimal exponent, from JS's exponential form.
  const [mant, expStr] = x.toExponential().split("e");
  const exp = Number(expStr);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const sign = neg ? "-" : "";
  // Python switches to exponent notation when exp < -4 or exp >= 16 (repr uses 'r' format, precision 17).
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Python `str()` of a scalar: `True`, `None`, ints without `.0`, PyFloat with it. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (v instanceof PyFloat) return formatPyFloat(v.value);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatPyFloat(v);
  if (typeof v === "bigint") return v.toString();
  return String(v);
}

/** True for a PyFloat or a non-integral JS number. */
export function isPyFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}

/** Unwrap a PyFloat to its number; other values pass through. */
export function unwrapPy<T>(v: T | PyFloat): T | number {
  return v instanceof PyFloat ? v.value : v;
}
