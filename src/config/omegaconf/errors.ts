/**
 * Config errors. Every message starts with the real cause, then where the offending value came from:
 * `  at <file>:<line>` for a YAML value, `  from override '<text>'` for a command-line override.
 */

/** One source that set a value: a YAML file position, a command-line override, or a free-form note. */
export interface Provenance {
  file?: string;
  line?: number;
  col?: number;
  override?: string;
  note?: string;
}

/** Render one provenance entry as `file:line:col`, `override 'text'`, or its note. */
export function formatProvenance(p: Provenance): string {
  const parts: string[] = [];
  if (p.file !== undefined) {
    let where = p.file;
    if (p.line !== undefined) where += `:${p.line}`;
    if (p.line !== undefined && p.col !== undefined) where += `:${p.col}`;
    parts.push(where);
  } else if (p.line !== undefined) {
    parts.push(`line ${p.line}${p.col !== undefined ? `:${p.col}` : ""}`);
  }
  if (p.override !== undefined) parts.push(`override '${p.override}'`);
  if (p.note !== undefined) parts.push(p.note);
  return parts.join(" ");
}

/** The `  at file:line` / `  from override '...'` line for the newest entry of a provenance chain. */
export function provenanceSuffix(chain: readonly Provenance[] | undefined): string {
  if (!chain || chain.length === 0) return "";
  const p = chain[chain.length - 1];
  if (p.override !== undefined) return `\n  from override '${p.override}'`;
  if (p.file !== undefined || p.line !== undefined)
    return `\n  at ${formatProvenance({ ...p, note: undefined })}`;
  if (p.note !== undefined) return `\n  from ${p.note}`;
  return "";
}

/** Options shared by all config errors. */
export interface ConfigErrorOptions {
  keyPath?: string;
  provenance?: readonly Provenance[];
  cause?: unknown;
}

/** Base class of all config errors; `keyPath` and `provenance` say where the problem is. */
export class ConfigError extends Error {
  readonly keyPath?: string;
  readonly provenance?: readonly Provenance[];
  /** The cause alone, without the location lines. */
  readonly reason: string;
  constructor(reason: string, options: ConfigErrorOptions = {}) {
    super(
      reason +
        (options.keyPath ? `\n  full_key: ${options.keyPath}` : "") +
        provenanceSuffix(options.provenance),
      options.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.name = new.target.name;
    this.reason = reason;
    if (options.keyPath !== undefined) this.keyPath = options.keyPath;
    if (options.provenance !== undefined) this.provenance = options.provenance;
  }
}

/** An interpolation could not be resolved (bad target, cycle, failing resolver). */
export class InterpolationResolutionError extends ConfigError {}

/** An interpolation names a key that does not exist (OmegaConf's InterpolationKeyError). */
export class InterpolationKeyError extends InterpolationResolutionError {}

/** An interpolation calls a resolver that is not registered (OmegaConf's UnsupportedInterpolationType). */
export class UnsupportedInterpolationType extends InterpolationResolutionError {}

/** An interpolation string does not follow OmegaConf's grammar. */
export class GrammarParseError extends ConfigError {}

/** A `???` value was read (OmegaConf: "Missing mandatory value: a.b"). */
export class MissingMandatoryValue extends ConfigError {}

/** A key does not exist, or cannot be added because the config is in struct mode. */
export class ConfigKeyError extends ConfigError {}

/** A value or operation is not valid for its node (wrong type, merging a dict into a list, ...). */
export class ValidationError extends ConfigError {}

/** Writing to a read-only config. */
export class ReadonlyConfigError extends ConfigError {}

/** An interpolation points at a `???` value. */
export class InterpolationToMissingValueError extends InterpolationResolutionError {}

/** A key path goes through a value that is not a container (`a.b` where `a` is 5). */
export class ConfigTypeError extends ConfigError {}
