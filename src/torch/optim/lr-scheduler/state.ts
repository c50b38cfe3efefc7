/**
 * Typed reading of a scheduler state dict. PyTorch's `load_state_dict` is `self.__dict__.update(sd)`: keys
 * that are absent keep their value and unknown keys are kept (and saved again). Kiln does the same, but checks
 * the type of every key it knows, so a state dict from the wrong scheduler fails with the key named.
 */
import type { SchedulerStateDict } from "./types.js";

/** Python's inf does not survive JSON; a state dict that went through JSON may carry "inf" / "-inf". */
function asStateNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value === "inf" || value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-inf" || value === "-Infinity") return Number.NEGATIVE_INFINITY;
  if (typeof value === "object" && value !== null && typeof value.valueOf === "function") {
    const inner = value.valueOf();
    if (typeof inner === "number") return inner;
  }
  return undefined;
}

/** Reads known keys from a state dict with type checks and collects the keys nobody read. */
export class StateReader {
  private readonly read = new Set<string>();

  constructor(
    readonly className: string,
    private readonly state: SchedulerStateDict,
  ) {
    if (typeof state !== "object" || state === null || Array.isArray(state)) {
      throw new TypeError(
        `${className}.loadStateDict expects an object from stateDict(), got ${typeof state}`,
      );
    }
  }

  private take(key: string): unknown {
    this.read.add(key);
    return this.state[key];
  }

  /** A number; undefined when the key is absent. */
  number(key: string): number | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    const n = asStateNumber(value);
    if (n === undefined) throw this.error(key, "a number", value);
    return n;
  }

  /** A number or null (PyTorch's None); undefined when the key is absent. */
  nullableNumber(key: string): number | null | undefined {
    if (this.state[key] === null) {
      this.read.add(key);
      return null;
    }
    return this.number(key);
  }

  /** A list of numbers; undefined when absent. */
  numberList(key: string): number[] | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw this.error(key, "a list of numbers", value);
    return value.map((v) => {
      const n = asStateNumber(v);
      if (n === undefined) throw this.error(key, "a list of numbers", value);
      return n;
    });
  }

  /** A boolean; undefined when absent. */
  bool(key: string): boolean | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") throw this.error(key, "a boolean", value);
    return value;
  }

  /** A string from a fixed set of choices; undefined when absent. */
  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !choices.includes(value as T)) {
      throw this.error(key, `one of ${choices.map((c) => `'${c}'`).join(", ")}`, value);
    }
    return value as T;
  }

  /** Any value, unchecked (the caller validates its structure); undefined when absent. */
  raw(key: string): unknown {
    return this.take(key);
  }

  /** The keys that no reader method asked for, with their values (kept and saved again, as Python does). */
  unreadEntries(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [key, value] of Object.entries(this.state)) if (!this.read.has(key)) out[key] = value;
    return out;
  }

  /** An error naming the key, what it must hold and what it held. */
  error(key: string, expected: string, value: unknown): TypeError {
    return new TypeError(
      `${this.className}.loadStateDict: key '${key}' must be ${expected}, got ${JSON.stringify(value)}. ` +
        `Is this state dict from a ${this.className}?`,
    );
  }
}
