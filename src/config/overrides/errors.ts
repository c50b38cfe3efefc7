/** Errors of the override grammar: syntax errors (with a caret) and sweep expansion errors. */

/**
 * A command-line override that does not parse, or whose grammar function fails.
 * The message shows the override, a caret under the position, and the cause in Hydra's (ANTLR's) words, e.g.
 * `Error parsing override 'x=[1'` / `x=[1` / `    ^` / `no viable alternative at input '[1'`.
 */
export class OverrideParseError extends Error {
  override name = "OverrideParseError";
  constructor(
    /** The override as given. */
    readonly override: string,
    /** Code-point column of the offending character (0-based). */
    readonly column: number,
    /** The cause without the override and caret lines, as Hydra words it. */
    readonly detail: string,
    /** Kiln's advice after Hydra's words (how to quote a value), or "". */
    readonly hint = "",
  ) {
    super(
      `Error parsing override '${override}'\n${override}\n${" ".repeat(column)}^\n${detail}${hint ? `\n${hint}` : ""}`,
    );
  }
}

/** A sweep that cannot be expanded into a list of values (interval sweeps, globs without options, ...). */
export class OverrideSweepError extends Error {
  override name = "OverrideSweepError";
}

/** Raised inside the parser at the first syntax error (ANTLR's error listener in Hydra raises on the first). */
export class SyntaxFailure extends Error {
  constructor(
    readonly column: number,
    readonly detail: string,
    /** Index of the offending token for parser errors; null for lexer errors. */
    readonly tokenIndex: number | null = null,
  ) {
    super(detail);
  }
}
