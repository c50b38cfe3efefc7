/**
 * Option checking for classes that YAML instantiates. Kiln classes take one options object with the YAML's
 * snake_case keys (docs/ARCHITECTURE.md, "Conventions"); a typo in a config (`lrr: 0.1`, `maxEpochs: 3`) must fail loudly instead of
 * being ignored, the way Python rejects an unexpected keyword argument.
 */
import { didYouMean } from "./suggest.js";

/** An options object had keys its class does not accept; `badKeys` lets instantiate point at their YAML lines. */
export class OptionsError extends TypeError {
  readonly badKeys: readonly string[];
  readonly className: string;
  constructor(message: string, className: string, badKeys: readonly string[]) {
    super(message);
    this.name = "OptionsError";
    this.className = className;
    this.badKeys = badKeys;
  }
}

/**
 * One option has a value its class cannot take (`max_epochs: abc`); `option` lets instantiate point at the line
 * or command-line override that set it, instead of the class's `_target_` line.
 */
export class OptionValueError extends RangeError {
  override name = "OptionValueError";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

function hintFor(key: string, allowed: readonly string[]): string {
  const snake = snakeCase(key);
  if (snake !== key && allowed.includes(snake)) {
    return ` Did you mean '${snake}'? (options use the YAML's snake_case names)`;
  }
  return didYouMean(key, allowed, 2);
}

/**
 * Throw an OptionsError when `options` has a key outside `allowedKeys`, naming each bad key, a near match and
 * the allowed keys. Keys whose value is `undefined` count as absent. Returns the options for chaining.
 */
export function checkOptions<T extends object>(
  options: T | null | undefined,
  allowedKeys: Iterable<string>,
  className: string,
): T {
  if (options === null || options === undefined) return (options ?? {}) as T;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `${className} expects one options object (e.g. { lr: 0.001 }), got ${Array.isArray(options) ? "an array" : typeof options}`,
    );
  }
  const allowed = [...allowedKeys];
  const allowedSet = new Set(allowed);
  const bad = Object.keys(options).filter(
    (k) => !allowedSet.has(k) && (options as Record<string, unknown>)[k] !== undefined,
  );
  if (bad.length === 0) return options;
  const lines = bad.map((k) => `unexpected option '${k}' for ${className}.${hintFor(k, allowed)}`);
  const allowedList = allowed.length > 0 ? allowed.join(", ") : "(none)";
  throw new OptionsError(`${lines.join("\n")}\nAllowed options: ${allowedList}`, className, bad);
}
