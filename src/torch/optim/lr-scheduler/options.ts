/**
 * Option reading for LR schedulers. Options use PyTorch's keyword names (`step_size`, `T_max`, `min_lr`)
 * because YAML configs instantiate schedulers with those keys; a misspelt key fails loudly, the way Python
 * rejects an unexpected keyword argument, and a bad value gets PyTorch's ValueError wording plus the key.
 */
import { asNumber } from "../options.js";
import type { SchedulableOptimizer } from "./types.js";

type Options = Record<string, unknown>;

// A value as error messages show it. Not shared with optim/options.ts: that one names an object's class where
// this one prints its String(), and merging would change the messages.
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array ${JSON.stringify(value)}`;
  if (typeof value === "string") return `string "${value}"`;
  return `${typeof value} ${String(value)}`;
}

/** Reads and validates one scheduler's options object, naming the class in every error. */
export class OptionReader {
  private readonly options: Options;

  constructor(
    readonly className: string,
    options: object | undefined,
    allowedKeys: readonly string[],
  ) {
    if (
      options !== undefined &&
      (typeof options !== "object" || options === null || Array.isArray(options))
    ) {
      throw new TypeError(`${className} expects an options object such as { ${allowedKeys[0]}: ... }`);
    }
    this.options = (options ?? {}) as Options;
    const bad = Object.keys(this.options).filter(
      (k) => !allowedKeys.includes(k) && this.options[k] !== undefined,
    );
    if (bad.length > 0) {
      const hints = bad.map((k) => {
        const snake = k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
        const hint = snake !== k && allowedKeys.includes(snake) ? ` (did you mean '${snake}'?)` : "";
        return `'${k}'${hint}`;
      });
      throw new TypeError(
        `${className} got unexpected option ${hints.join(", ")}. Allowed options: ${allowedKeys.join(", ")}`,
      );
    }
  }

  /** True when the key was given (undefined counts as absent). */
  has(key: string): boolean {
    return this.options[key] !== undefined && this.options[key] !== null;
  }

  /** A number option (a YAML float wrapper is accepted); `fallback` when absent. */
  number(key: string, fallback: number): number {
    if (!this.has(key)) return fallback;
    const n = asNumber(this.options[key]);
    if (n === undefined) throw this.typeError(key, "a number");
    return n;
  }

  /** An integer option; `fallback` when absent. */
  int(key: string, fallback: number): number {
    const n = this.number(key, fallback);
    if (!Number.isInteger(n)) throw this.typeError(key, "an integer");
    return n;
  }

  /** An integer option without a default; undefined when absent. */
  optionalInt(key: string): number | undefined {
    return this.has(key) ? this.int(key, 0) : undefined;
  }

  /** A number, or a list of numbers (one per param group); `fallback` when absent. */
  numberOrList(key: string, fallback: number): number | number[] {
    if (!this.has(key)) return fallback;
    const value = this.options[key];
    if (Array.isArray(value)) {
      return value.map((v) => {
        const n = asNumber(v);
        if (n === undefined) throw this.typeError(key, "a number or a list of numbers");
        return n;
      });
    }
    return this.number(key, fallback);
  }

  /** A list of integers; `fallback` when absent. */
  intList(key: string, fallback: number[]): number[] {
    if (!this.has(key)) return fallback;
    const value = this.options[key];
    if (!Array.isArray(value)) throw this.typeError(key, "a list of integers");
    return value.map((v) => {
      const n = asNumber(v);
      if (n === undefined || !Number.isInteger(n)) throw this.typeError(key, "a list of integers");
      return n;
    });
  }

  /** A boolean option; `fallback` when absent. */
  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const value = this.options[key];
    if (typeof value !== "boolean") throw this.typeError(key, "true or false");
    return value;
  }

  /** A string option (not checked against choices: callers raise PyTorch's own message for that). */
  string(key: string, fallback: string): string {
    if (!this.has(key)) return fallback;
    const value = this.options[key];
    if (typeof value !== "string") throw this.typeError(key, "a string");
    return value;
  }

  /** A PyTorch-style ValueError for this class: `StepLR: <message>`. */
  valueError(message: string): RangeError {
    return new RangeError(`${this.className}: ${message}`);
  }

  private typeError(key: string, expected: string): TypeError {
    return new TypeError(
      `${this.className}: option '${key}' must be ${expected}, got ${describe(this.options[key])}`,
    );
  }
}

/** PyTorch's `_format_param`: a scalar repeated per param group, or a list whose length must match. */
export function formatParam(
  className: string,
  name: string,
  optimizer: SchedulableOptimizer,
  value: number | number[],
): number[] {
  const groups = optimizer.paramGroups.length;
  if (Array.isArray(value)) {
    if (value.length !== groups) {
      throw new RangeError(
        `${className}: ${name} must have the same length as optimizer.param_groups. ` +
          `${name} has ${value.length} values, param_groups has ${groups}.`,
      );
    }
    return [...value];
  }
  return new Array<number>(groups).fill(value);
}

/** Throw unless `optimizer` looks like an optimizer with param groups (PyTorch: "X is not an Optimizer"). */
export function checkOptimizer(
  className: string,
  optimizer: unknown,
): asserts optimizer is SchedulableOptimizer {
  const groups = (optimizer as { paramGroups?: unknown } | null)?.paramGroups;
  if (!Array.isArray(groups) || groups.some((g) => typeof (g as { lr?: unknown })?.lr !== "number")) {
    const what = optimizer === null || optimizer === undefined ? String(optimizer) : typeof optimizer;
    throw new TypeError(
      `${className}: expected an optimizer with paramGroups (each with a numeric lr) as the first argument, ` +
        `got ${what}. With a YAML config, use _partial_: true so the optimizer is passed first.`,
    );
  }
}
