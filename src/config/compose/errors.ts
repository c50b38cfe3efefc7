/**
 * Errors of config composition. The message states the cause first; `where` (file:line or the override)
 * is part of the message so that a one-line report from the CLI already says where to look.
 */

/** A file position or an override that an error points at. */
export interface ErrorSource {
  file?: string;
  line?: number;
  override?: string;
}

/** Formats a source as `file:line` (or the override) for messages. */
export function formatSource(src: ErrorSource | undefined): string | null {
  if (!src) return null;
  if (src.override !== undefined) return `override '${src.override}'`;
  if (src.file !== undefined) return src.line !== undefined ? `${src.file}:${src.line}` : src.file;
  return null;
}

/** Puts `    at <where>` right under the first line: the cause first, then where, then the details. */
function withLocation(message: string, at: string): string {
  const nl = message.indexOf("\n");
  const line = `    at ${at}`;
  return nl === -1 ? `${message}\n${line}` : `${message.slice(0, nl)}\n${line}${message.slice(nl)}`;
}

/** Hydra's ConfigCompositionException: the defaults list or an override cannot be applied. */
export class ConfigCompositionError extends Error {
  readonly where: ErrorSource | undefined;
  constructor(message: string, where?: ErrorSource, options?: { cause?: unknown }) {
    const at = formatSource(where);
    super(at && !message.includes(at) ? withLocation(message, at) : message, options);
    this.name = "ConfigCompositionError";
    this.where = where;
  }
}

/** Hydra's MissingConfigException: a config or a group option does not exist. */
export class MissingConfigError extends ConfigCompositionError {
  constructor(
    message: string,
    readonly missingConfig: string | null,
    readonly options: string[] | null = null,
    where?: ErrorSource,
  ) {
    super(message, where);
    this.name = "MissingConfigError";
  }
}
