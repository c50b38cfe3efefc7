/**
 * Option reading for optimizers. Options use PyTorch's keyword names (`weight_decay`, `betas`, `lr_decay`)
 * because YAML configs instantiate optimizers with those keys. A misspelt constructor key fails with the
 * allowed list (as Python rejects an unexpected keyword argument); a bad value gets PyTorch's ValueError text.
 */

/** How one option is read: its type, PyTorch's default and PyTorch's range check. */
export interface OptionSpec {
  readonly key: string;
  readonly type: "number" | "boolean" | "betas" | "optionalBoolean";
  readonly default: unknown;
  /** PyTorch's ValueError text for a bad value, or undefined when the value is fine. */
  readonly check?: (value: never) => string | undefined;
  /** False for keys that live in the param groups but are not constructor options (AdamW's decoupling). */
  readonly settable?: boolean;
}

/** `Invalid <what>: <value>` unless 0 <= value (NaN fails too, as `not 0.0 <= x` does in Python). */
export function nonNegative(what: string): (value: number) => string | undefined {
  return (value) => (0 <= value ? undefined : `Invalid ${what}: ${value}`);
}

/** Options Kiln accepts for config compatibility but cannot honour with other values. */
export function only(expected: unknown, why: string): (value: unknown) => string | undefined {
  return (value) => (value === expected ? undefined : why);
}

/** Unwrap a number, or a float wrapper from the config layer (anything whose valueOf() is a number). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "object" && value !== null && typeof value.valueOf === "function") {
    const inner = value.valueOf();
    if (typeof inner === "number") return inner;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array ${JSON.stringify(value)}`;
  if (typeof value === "string") return `string "${value}"`;
  if (typeof value === "object") return `${value.constructor?.name ?? "object"}`;
  return `${typeof value} ${String(value)}`;
}

/** The option's value converted to its type; throws a TypeError naming `where` otherwise. */
function convert(spec: OptionSpec, value: unknown, where: string): unknown {
  const bad = (expected: string) =>
    new TypeError(`${where}: option '${spec.key}' must be ${expected}, got ${describe(value)}`);
  switch (spec.type) {
    case "number": {
      const n = asNumber(value);
      if (n === undefined) throw bad("a number (tensor hyperparameters are not supported)");
      return n;
    }
    case "boolean":
      if (typeof value !== "boolean") throw bad("true or false");
      return value;
    case "optionalBoolean":
      if (value !== null && typeof value !== "boolean") throw bad("true, false or null");
      return value;
    case "betas": {
      const pair = Array.isArray(value) ? value.map(asNumber) : [];
      if (pair.length !== 2 || pair.some((n) => n === undefined))
        throw bad("a pair of numbers [beta1, beta2]");
      return pair as number[];
    }
  }
}

/** Convert and range-check one known key; `where` names the class (and group) in messages. */
function readOne(spec: OptionSpec, value: unknown, where: string): unknown {
  const converted = convert(spec, value, where);
  const message = spec.check?.(converted as never);
  if (message !== undefined) throw new RangeError(`${where}: ${message}`);
  return converted;
}

/**
 * The constructor options with PyTorch's defaults filled in, in PyTorch's key order (the `defaults` dict).
 * Unknown keys are rejected with the allowed list; undefined values count as absent.
 */
export function readOptions(className: string, options: object | undefined, specs: readonly OptionSpec[]) {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new TypeError(
      `${className} expects an options object such as { lr: 0.01 }, got ${describe(options)}`,
    );
  }
  const given = (options ?? {}) as Record<string, unknown>;
  const allowed = specs.filter((s) => s.settable !== false).map((s) => s.key);
  const unknown = Object.keys(given).filter((k) => given[k] !== undefined && !allowed.includes(k));
  if (unknown.length > 0) {
    const hints = unknown.map((k) => {
      const snake = k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
      return snake !== k && allowed.includes(snake) ? `'${k}' (did you mean '${snake}'?)` : `'${k}'`;
    });
    throw new TypeError(
      `${className} got unexpected option ${hints.join(", ")}. Allowed options: ${allowed.join(", ")}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = given[spec.key];
    out[spec.key] = value === undefined ? copyOptionValue(spec.default) : readOne(spec, value, className);
  }
  return out;
}

/**
 * Checks and converts the known keys of a param group in place (`where` is e.g. `SGD param_groups[1]`); other
 * keys are kept as they are, as PyTorch keeps any key a group carries.
 */
export function readGroupOptions(
  where: string,
  group: Record<string, unknown>,
  specs: readonly OptionSpec[],
): void {
  for (const spec of specs) {
    if (group[spec.key] !== undefined) group[spec.key] = readOne(spec, group[spec.key], where);
  }
}

/** A copy of an option value that shares no arrays with the original (betas). */
export function copyOptionValue<T>(value: T): T {
  return (Array.isArray(value) ? value.map(copyOptionValue) : value) as T;
}

/** PyTorch's `foreach` (any value): accepted for config compatibility, changes nothing in Kiln's fused steps. */
export const FOREACH: OptionSpec = { key: "foreach", type: "optionalBoolean", default: null };
/** PyTorch's `differentiable`: only false (steps run under no_grad). */
export const DIFFERENTIABLE: OptionSpec = {
  key: "differentiable",
  type: "boolean",
  default: false,
  check: only(false, "differentiable=True is not supported: Kiln's optimizer steps run under no_grad"),
};
/** PyTorch's `capturable`: only false (no CUDA graph capture). */
export const CAPTURABLE: OptionSpec = {
  key: "capturable",
  type: "boolean",
  default: false,
  check: only(false, "capturable=True (CUDA graph capture) is not supported"),
};
/** PyTorch's `fused`: null or false (Kiln's own step is already one native call per group). */
export const FUSED: OptionSpec = {
  key: "fused",
  type: "optionalBoolean",
  default: null,
  check: (value: boolean | null) =>
    value === true
      ? "fused=True (PyTorch's fused kernels) is not supported; Kiln already updates a whole group in one native call"
      : undefined,
};
