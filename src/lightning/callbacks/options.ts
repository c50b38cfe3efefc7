/**
 * Option reading shared by the callbacks and metrics that YAML instantiates. Their options objects use the
 * YAML's snake_case keys (docs/ARCHITECTURE.md, "Conventions"); a misspelt key must fail loudly, the way Python rejects an
 * unexpected keyword argument. (src/lightning may not import the config layer's checker, hence this one.)
 */

/** Lightning's MisconfigurationException: a callback was configured in a way that cannot work. */
export class MisconfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MisconfigurationException";
  }
}

function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Returns `options` as a record after checking that every key (whose value is not undefined) is allowed;
 * the error names each bad key, the snake_case spelling when that is what was meant, and the allowed keys.
 */
export function readOptions(
  className: string,
  options: object | null | undefined,
  allowedKeys: readonly string[],
): Record<string, unknown> {
  if (options === null || options === undefined) return {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${className} expects one options object such as { ${allowedKeys[0]}: ... }`);
  }
  const record = options as Record<string, unknown>;
  const bad = Object.keys(record).filter((k) => !allowedKeys.includes(k) && record[k] !== undefined);
  if (bad.length > 0) {
    const hints = bad.map((k) => {
      const snake = snakeCase(k);
      return snake !== k && allowedKeys.includes(snake) ? `'${k}' (did you mean '${snake}'?)` : `'${k}'`;
    });
    throw new TypeError(
      `${className} got unexpected option ${hints.join(", ")}. Allowed options: ${allowedKeys.join(", ")}`,
    );
  }
  return record;
}

/** A number from an option value: plain numbers, or wrappers whose valueOf() is a number (PyFloat). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "object" && value !== null && typeof value.valueOf === "function") {
    const inner = value.valueOf();
    if (typeof inner === "number") return inner;
  }
  return undefined;
}

/** Reads an optional numeric option, rejecting anything that is not a number. */
export function numberOption(
  className: string,
  options: Record<string, unknown>,
  key: string,
  fallback: number,
): number;
export function numberOption(
  className: string,
  options: Record<string, unknown>,
  key: string,
  fallback: number | null,
): number | null;
export function numberOption(
  className: string,
  options: Record<string, unknown>,
  key: string,
  fallback: number | null,
): number | null {
  const value = options[key];
  if (value === undefined || value === null) return fallback;
  const n = asNumber(value);
  if (n === undefined)
    throw new TypeError(`${className}: option '${key}' must be a number, got ${describe(value)}`);
  return n;
}

/** Reads an optional integer option. */
export function intOption(
  className: string,
  options: Record<string, unknown>,
  key: string,
  fallback: number | null,
): number | null {
  const n = numberOption(className, options, key, fallback);
  if (n !== null && !Number.isInteger(n)) {
    throw new TypeError(`${className}: option '${key}' must be an integer, got ${n}`);
  }
  return n;
}

/** Reads an optional boolean option. */
export function boolOption(
  className: string,
  options: Record<string, unknown>,
  key: string,
  fallback: boolean,
): boolean {
  const value = options[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(`${className}: option '${key}' must be true or false, got ${describe(value)}`);
  }
  return value;
}

/** Reads an optional string option. */
export function stringOption(
  className: string,
  options: Record<string, unknown>,
  key: string,
  fallback: string | null,
): string | null {
  const value = options[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string") {
    throw new TypeError(`${className}: option '${key}' must be a string, got ${describe(value)}`);
  }
  return value;
}

/** A value described for an error message. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array ${JSON.stringify(value)}`;
  if (typeof value === "string") return `string "${value}"`;
  return `${typeof value} ${String(value)}`;
}
