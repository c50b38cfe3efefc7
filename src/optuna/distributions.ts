/**
 * Optuna's parameter distributions: FloatDistribution (log or stepped), IntDistribution (log or stepped) and
 * CategoricalDistribution, with Optuna's internal representation (a float; a categorical's index), its
 * validation messages, the adjustment of `high` to a whole number of steps, and its JSON form.
 */
import { formatPyFloat, PyFloat } from "../common/pyvalue.js";
import { warn } from "./logging.js";
import { type PyJson, pyJsonDumps, pyJsonLoads } from "./pyjson.js";

/** A categorical choice (what Optuna can store). */
export type CategoricalChoice = null | boolean | number | string;

/** Decimal arithmetic on Python's str() of floats, as `decimal.Decimal(str(x))` does for step adjustment. */
function decimalParts(x: number): { digits: bigint; scale: number } {
  const s = formatPyFloat(x);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s);
  if (!m) throw new RangeError(`not a finite number: ${s}`);
  const frac = m[3] ?? "";
  const exp = Number(m[4] ?? 0);
  let digits = BigInt(`${m[1]}${m[2]}${frac}`);
  let scale = frac.length - exp;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

function alignDecimals(...xs: number[]): { values: bigint[]; scale: number } {
  const parts = xs.map(decimalParts);
  const scale = Math.max(...parts.map((p) => p.scale));
  return { values: parts.map((p) => p.digits * 10n ** BigInt(scale - p.scale)), scale };
}

function adjustFloatHigh(low: number, high: number, step: number): number {
  const {
    values: [h, l, st],
    scale,
  } = alignDecimals(high, low, step);
  const r = h - l;
  if (r % st === 0n) return high;
  const adjusted = Number(`${((r / st) * st + l).toString()}e-${scale}`);
  warn(
    `The distribution is specified by [${formatPyFloat(low)}, ${formatPyFloat(high)}] and step=${formatPyFloat(step)}, but the range is not divisible by \`step\`. It will be replaced with [${formatPyFloat(low)}, ${formatPyFloat(adjusted)}].`,
  );
  return adjusted;
}

/** A distribution on floats in [low, high], log-scaled or discretised by `step`. */
export class FloatDistribution {
  /** Optuna's class name (what the journal and repr say; bundling may rename the JS class). */
  readonly pyName = "FloatDistribution";
  readonly step: number | null;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;

  constructor(low: number, high: number, opts: { log?: boolean; step?: number | null } = {}) {
    const log = opts.log ?? false;
    const step = opts.step ?? null;
    if (log && step !== null)
      throw new RangeError("The parameter `step` is not supported when `log` is true.");
    if (low > high) throw new RangeError(`\`low <= high\` must hold, but got (low=${low}, high=${high}).`);
    if (log && low <= 0.0)
      throw new RangeError(`\`low > 0\` must hold for \`log=True\`, but got (low=${low}, high=${high}).`);
    if (step !== null && step <= 0) throw new RangeError(`\`step > 0\` must hold, but got step=${step}.`);
    this.step = step;
    this.low = low;
    this.high = step !== null ? adjustFloatHigh(low, high, step) : high;
    this.log = log;
    if (this.step === null || this.low === this.high) this.isSingle = this.low === this.high;
    else {
      const {
        values: [h, l, st],
      } = alignDecimals(this.high, this.low, this.step);
      this.isSingle = h - l < st;
    }
  }

  /** Computed once: the stepped case needs decimal arithmetic, and samplers ask for every trial. */
  private readonly isSingle: boolean;

  /** True when the range holds one value. */
  single(): boolean {
    return this.isSingle;
  }

  contains(internal: number): boolean {
    if (this.step === null) return this.low <= internal && internal <= this.high;
    const k = (internal - this.low) / this.step;
    return this.low <= internal && internal <= this.high && Math.abs(k - Math.round(k)) < 1.0e-8;
  }

  toInternal(value: unknown): number {
    const x = typeof value === "number" ? value : Number.NaN;
    if (typeof value !== "number")
      throw new TypeError(`'${String(value)}' is not a valid type. float-castable value is expected.`);
    if (Number.isNaN(x)) throw new RangeError(`\`${value}\` is invalid value.`);
    if (this.log && x <= 0.0) throw new RangeError(`\`${value}\` is invalid value for the case log=True.`);
    return x;
  }

  toExternal(internal: number): number {
    return internal;
  }

  /** Optuna's JSON attributes, in its order. */
  attributes(): Record<string, PyJson> {
    return {
      step: this.step === null ? null : new PyFloat(this.step),
      low: new PyFloat(this.low),
      high: new PyFloat(this.high),
      log: this.log,
    };
  }
}

/** A distribution on integers in [low, high], log-scaled or with a step. */
export class IntDistribution {
  readonly pyName = "IntDistribution";
  readonly log: boolean;
  readonly step: number;
  readonly low: number;
  readonly high: number;

  constructor(low: number, high: number, opts: { log?: boolean; step?: number } = {}) {
    const log = opts.log ?? false;
    const step = opts.step ?? 1;
    if (log && step !== 1) {
      throw new RangeError(
        "Samplers and other components in Optuna only accept step is 1 when `log` argument is True.",
      );
    }
    if (low > high) throw new RangeError(`\`low <= high\` must hold, but got (low=${low}, high=${high}).`);
    if (log && low < 1)
      throw new RangeError(`\`low >= 1\` must hold for \`log=True\`, but got (low=${low}, high=${high}).`);
    if (step <= 0) throw new RangeError(`\`step > 0\` must hold, but got step=${step}.`);
    this.log = log;
    this.step = Math.trunc(step);
    this.low = Math.trunc(low);
    let h = Math.trunc(high);
    const r = h - this.low;
    if (r % this.step !== 0) {
      const old = h;
      h = Math.floor(r / this.step) * this.step + this.low;
      warn(
        `The distribution is specified by [${this.low}, ${old}] and step=${this.step}, but the range is not divisible by \`step\`. It will be replaced with [${this.low}, ${h}].`,
      );
    }
    this.high = h;
  }

  single(): boolean {
    if (this.log) return this.low === this.high;
    if (this.low === this.high) return true;
    return this.high - this.low < this.step;
  }

  contains(internal: number): boolean {
    return (
      this.low <= internal &&
      internal <= this.high &&
      (((internal - this.low) % this.step) + this.step) % this.step === 0
    );
  }

  toInternal(value: unknown): number {
    if (typeof value !== "number")
      throw new TypeError(`'${String(value)}' is not a valid type. float-castable value is expected.`);
    if (Number.isNaN(value)) throw new RangeError(`\`${value}\` is invalid value.`);
    if (this.log && value <= 0.0)
      throw new RangeError(`\`${value}\` is invalid value for the case log=True.`);
    return value;
  }

  toExternal(internal: number): number {
    return Math.trunc(internal);
  }

  attributes(): Record<string, PyJson> {
    return { log: this.log, step: this.step, low: this.low, high: this.high };
  }
}

function choiceEqual(a: unknown, b: unknown): boolean {
  const an = typeof a === "number" && Number.isNaN(a);
  const bn = typeof b === "number" && Number.isNaN(b);
  return a === b || (an && bn);
}

/** A distribution over a fixed list of choices; its internal value is the index. */
export class CategoricalDistribution {
  readonly pyName = "CategoricalDistribution";
  readonly choices: readonly CategoricalChoice[];

  /** Which choices were floats in Python (kept so the JSON form says `1.0`, not `1`). */
  private readonly floatChoices: boolean[];

  /** `choices` may hold PyFloat for floats that must stay floats in the journal (`1.0`). */
  constructor(choices: readonly (CategoricalChoice | PyFloat)[]) {
    if (choices.length === 0) throw new RangeError("The `choices` must contain one or more elements.");
    this.choices = choices.map((c) => (c instanceof PyFloat ? c.value : c));
    this.floatChoices = choices.map((c) => c instanceof PyFloat);
  }

  single(): boolean {
    return this.choices.length === 1;
  }

  contains(internal: number): boolean {
    const i = Math.trunc(internal);
    return i >= 0 && i < this.choices.length;
  }

  toInternal(value: unknown): number {
    const i = this.choices.findIndex((c) => choiceEqual(c, value));
    if (i < 0) throw new RangeError(`'${String(value)}' not in ${pyTuple(this.choices)}.`);
    return i;
  }

  toExternal(internal: number): CategoricalChoice {
    return this.choices[Math.trunc(internal)];
  }

  attributes(): Record<string, PyJson> {
    return { choices: this.choices.map((c, i) => (this.floatChoices[i] ? new PyFloat(c as number) : c)) };
  }
}

/** Any of Optuna's distributions. */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

function pyRepr(v: PyJson): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (v instanceof PyFloat) return formatPyFloat(v.value);
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return pyTuple(v);
  return String(v);
}

function pyTuple(items: readonly PyJson[]): string {
  return items.length === 1 ? `(${pyRepr(items[0])},)` : `(${items.map(pyRepr).join(", ")})`;
}

/** Python's `repr` of a distribution, e.g. `IntDistribution(high=256, log=False, low=32, step=32)`. */
export function distributionRepr(d: Distribution): string {
  const attrs = Object.entries(d.attributes()).sort(([a], [b]) => (a < b ? -1 : 1));
  return `${d.pyName}(${attrs.map(([k, v]) => `${k}=${pyRepr(v)}`).join(", ")})`;
}

/** `distribution_to_json`. */
export function distributionToJson(d: Distribution): string {
  return pyJsonDumps({ name: d.pyName, attributes: d.attributes() });
}

const num = (v: PyJson | undefined): number => (v instanceof PyFloat ? v.value : (v as number));

/** `json_to_distribution` (also the pre-v3 names and the old `type` form). */
export function jsonToDistribution(text: string): Distribution {
  const j = pyJsonLoads(text, true) as Record<string, PyJson>;
  if ("name" in j) {
    const a = j.attributes as Record<string, PyJson>;
    switch (j.name) {
      case "CategoricalDistribution":
        return new CategoricalDistribution(a.choices as CategoricalChoice[]);
      case "FloatDistribution":
        return new FloatDistribution(num(a.low), num(a.high), {
          log: a.log === true,
          step: a.step == null ? null : num(a.step),
        });
      case "UniformDistribution":
        return new FloatDistribution(num(a.low), num(a.high));
      case "LogUniformDistribution":
        return new FloatDistribution(num(a.low), num(a.high), { log: true });
      case "DiscreteUniformDistribution":
        return new FloatDistribution(num(a.low), num(a.high), { step: num(a.q) });
      case "IntDistribution":
        return new IntDistribution(num(a.low), num(a.high), { log: a.log === true, step: num(a.step ?? 1) });
      case "IntUniformDistribution":
        return new IntDistribution(num(a.low), num(a.high), { step: num(a.step ?? 1) });
      case "IntLogUniformDistribution":
        return new IntDistribution(num(a.low), num(a.high), { log: true });
      default:
        throw new RangeError(`Unknown distribution class: ${String(j.name)}`);
    }
  }
  if (j.type === "categorical") return new CategoricalDistribution(j.choices as CategoricalChoice[]);
  if (j.type === "float")
    return new FloatDistribution(num(j.low), num(j.high), {
      log: j.log === true,
      step: j.step == null ? null : num(j.step),
    });
  if (j.type === "int")
    return new IntDistribution(num(j.low), num(j.high), { log: j.log === true, step: num(j.step ?? 1) });
  throw new RangeError(`Unknown distribution type: ${String(j.type)}`);
}

/** Equality as Optuna's `__eq__` (same class, same attributes; NaN choices equal). */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.constructor !== b.constructor) return false;
  if (a instanceof CategoricalDistribution && b instanceof CategoricalDistribution) {
    return a.choices.length === b.choices.length && a.choices.every((c, i) => choiceEqual(c, b.choices[i]));
  }
  const x = a as FloatDistribution | IntDistribution;
  const y = b as FloatDistribution | IntDistribution;
  return x.low === y.low && x.high === y.high && x.log === y.log && x.step === y.step;
}

/** `check_distribution_compatibility`: the same kind (and log flag; categorical: the same choices). */
export function checkDistributionCompatibility(old: Distribution, next: Distribution): void {
  if (old.constructor !== next.constructor) {
    throw new RangeError("Cannot set different distribution kind to the same parameter name.");
  }
  if (
    !(old instanceof CategoricalDistribution) &&
    old.log !== (next as FloatDistribution | IntDistribution).log
  ) {
    throw new RangeError("Cannot set different log configuration to the same parameter name.");
  }
  if (old instanceof CategoricalDistribution && !distributionsEqual(old, next)) {
    throw new RangeError("CategoricalDistribution does not support dynamic value space.");
  }
}

/** The only value of a distribution whose range holds one value. */
export function singleValue(d: Distribution): CategoricalChoice {
  return d instanceof CategoricalDistribution ? d.choices[0] : d.low;
}
