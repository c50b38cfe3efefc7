/**
 * Expanding a sweep override into the concrete values the basic sweeper runs (Hydra's
 * Override.sweep_iterator / sweep_string_iterator): choices (shuffled if asked), ranges (Python `range` for
 * ints; Hydra's FloatRange, which steps in 28-digit decimal arithmetic, for floats) and globs over the options
 * of the config group, which the caller supplies.
 */
import { PyFloat } from "../../common/pyvalue.js";
import { OverrideSweepError } from "./errors.js";
import { formatElement } from "./format.js";
import { shuffled } from "./functions.js";
import type { Override } from "./override.js";
import { fnmatch } from "./pycompat.js";
import { ChoiceSweep, Glob, type ParsedElement, type PyNumber, RangeSweep } from "./types.js";

export interface ExpandOptions {
  /** The options of the config group named by the override, for `glob(...)` sweeps. */
  globCandidates?: string[];
  /** Random source in [0, 1) for `shuffle(...)`; Math.random by default. */
  rng?: () => number;
}

/** Names matching one of `include` and none of `exclude` (fnmatch patterns), in the given order. */
export function filterGlob(glob: Glob, names: readonly string[]): string[] {
  const any = (s: string, pats: string[]) => pats.some((p) => fnmatch(s, p));
  return names.filter((n) => any(n, glob.include) && !any(n, glob.exclude));
}

// ---- exact decimals: coefficient * 10^exponent, as Python's decimal module holds them ----

interface Dec {
  coef: bigint;
  exp: number;
}

/** The exact decimal value of a double (Python's Decimal(float)). */
function decFromNumber(x: number): Dec {
  if (Number.isInteger(x)) return { coef: BigInt(x), exp: 0 };
  // x = m * 2^-k exactly; m * 2^-k = m * 5^k * 10^-k
  let k = 0;
  let m = x;
  while (!Number.isInteger(m)) {
    m *= 2;
    k++;
  }
  return { coef: BigInt(m) * 5n ** BigInt(k), exp: -k };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

/** a + b rounded to 28 significant digits, half-even (Python's default decimal context). */
function decAdd(a: Dec, b: Dec): Dec {
  const [x, y, exp] = align(a, b);
  let coef = x + y;
  let e = exp;
  const digits = (coef < 0n ? -coef : coef).toString().length;
  if (digits > 28) {
    const drop = BigInt(digits - 28);
    const div = 10n ** drop;
    let q = coef / div;
    const r = coef - q * div;
    const twice = 2n * (r < 0n ? -r : r);
    if (twice > div || (twice === div && q % 2n !== 0n)) q += coef < 0n ? -1n : 1n;
    coef = q;
    e += Number(drop);
  }
  return { coef, exp: e };
}

function decCompare(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const decToNumber = (d: Dec): number => Number(`${d.coef}e${d.exp}`);
const decToString = (d: Dec): string => {
  if (d.exp >= 0) return (d.coef * 10n ** BigInt(d.exp)).toString();
  const s = (d.coef < 0n ? -d.coef : d.coef).toString().padStart(-d.exp + 1, "0");
  const out = `${s.slice(0, d.exp)}.${s.slice(d.exp)}`.replace(/\.?0+$/, "");
  return (d.coef < 0n ? "-" : "") + out;
};

/** The values of a range sweep: ints like Python's range(), floats like Hydra's FloatRange. */
export function rangeValues(r: RangeSweep): PyNumber[] {
  const isInt = (v: PyNumber) => typeof v === "number" || typeof v === "boolean";
  if (isInt(r.start) && isInt(r.stop) && isInt(r.step)) {
    const [start, stop, step] = [Number(r.start), Number(r.stop), Number(r.step)];
    if (step === 0) throw new OverrideSweepError("range() arg 3 must not be zero");
    const out: number[] = [];
    for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(v);
    return out;
  }
  if (![r.start, r.stop, r.step].every((v) => Number.isFinite(Number(v))))
    throw new OverrideSweepError(
      `Cannot enumerate range(${[r.start, r.stop, r.step].map(String).join(", ")}): bounds must be finite`,
    );
  let cur = decFromNumber(Number(r.start));
  const stop = decFromNumber(Number(r.stop));
  const step = decFromNumber(Number(r.step));
  if (step.coef === 0n)
    throw new OverrideSweepError(
      `Invalid range values (start:${decToString(cur)}, stop:${decToString(stop)}, step:${decToString(step)})`,
    );
  const out: PyFloat[] = [];
  const dir = step.coef > 0n ? -1 : 1;
  while (decCompare(cur, stop) === dir) {
    out.push(new PyFloat(decToNumber(cur)));
    cur = decAdd(cur, step);
  }
  return out;
}

/** The values a discrete sweep runs over; throws for interval sweeps and plain values, as Hydra does. */
export function expandSweep(override: Override, options: ExpandOptions = {}): ParsedElement[] {
  const v = override.value;
  const rng = options.rng ?? Math.random;
  if (v instanceof ChoiceSweep) return v.shuffle ? shuffled(v.list, rng) : [...v.list];
  if (v instanceof RangeSweep) {
    const values = rangeValues(v);
    return v.shuffle ? shuffled(values, rng) : values;
  }
  if (v instanceof Glob) {
    if (options.globCandidates === undefined)
      throw new OverrideSweepError(
        `glob() in '${override.inputLine}' needs the options of config group '${override.keyOrGroup}'`,
      );
    return filterGlob(v, options.globCandidates);
  }
  if (override.valueType === "interval_sweep")
    throw new OverrideSweepError("BasicSweeper does not support INTERVAL_SWEEP");
  throw new OverrideSweepError(
    `Can only enumerate CHOICE and RANGE sweeps, type is ValueType.${String(override.valueType).toUpperCase()}`,
  );
}

/** The sweep's values as override text (Hydra's sweep_string_iterator), e.g. for `key=value` job overrides. */
export function sweepStrings(override: Override, options: ExpandOptions = {}): string[] {
  return expandSweep(override, options).map((x) => formatElement(x));
}

/** The sweep's values for optimizing sweepers (Hydra's Transformer.encode): primitives as they are, else text. */
export function sweepEncoded(override: Override, options: ExpandOptions = {}): ParsedElement[] {
  return expandSweep(override, options).map((x) =>
    x === null || typeof x === "object" ? (x instanceof PyFloat ? x : formatElement(x)) : x,
  );
}

/**
 * The `key=value` job overrides one override contributes to a multirun (Hydra's BasicSweeper.split_arguments):
 * one per swept value, or the single override rebuilt from its value.
 */
export function jobOverrides(override: Override, options: ExpandOptions = {}): string[] {
  const key = override.keyElement;
  // A delete without a value (`~key`) has the value null: Hydra writes it as `~key=null`.
  if (!override.isSweep()) return [`${key}=${formatElement(override.value as ParsedElement)}`];
  if (!override.isDiscreteSweep()) {
    const type = String(override.valueType).toUpperCase();
    throw new OverrideSweepError(
      `BasicSweeper does not support sweep type : ${type} ('${override.inputLine}')`,
    );
  }
  return sweepStrings(override, options).map((v) => `${key}=${v}`);
}
