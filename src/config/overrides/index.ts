/**
 * Hydra 1.3-compatible command-line overrides: `key=value`, `+key=value`, `++key=value`, `~key[=value]`,
 * `group@pkg=option`, with values, lists, dicts, quoting, escapes, interpolation strings, sweeps and the
 * grammar functions. Entry points: parseOverride / parseOverrides; expandSweep for multirun.
 */
import { OverrideParseError, SyntaxFailure } from "./errors.js";
import { createFunctions } from "./functions.js";
import { lex } from "./lexer.js";
import { Override, valueTypeOf } from "./override.js";
import { parseSyntax } from "./parser.js";
import { ChoiceSweep, type GrammarValue, type OverrideType, type ParsedElement } from "./types.js";
import { EvaluationFailure, evaluate } from "./visitor.js";

export { OverrideParseError, OverrideSweepError } from "./errors.js";
export { escapeSpecialCharacters, formatElement, withQuotes } from "./format.js";
export { Override, plainValue } from "./override.js";
export {
  type ExpandOptions,
  expandSweep,
  filterGlob,
  jobOverrides,
  rangeValues,
  sweepEncoded,
  sweepStrings,
} from "./sweep.js";
export {
  ChoiceSweep,
  type ElementValue,
  Glob,
  type GrammarValue,
  IntervalSweep,
  type OverrideType,
  type ParsedElement,
  type PyNumber,
  QuotedString,
  RangeSweep,
  type Sweep,
  type ValueType,
} from "./types.js";

export interface ParseOptions {
  /** Random source in [0, 1) for `shuffle([...])` of a list, which Hydra shuffles at parse time. */
  rng?: () => number;
}

// Grammar functions are stateless apart from the random source, so the default set is shared.
const DEFAULT_FUNCTIONS = createFunctions();

const PREFIX_TYPE: Record<string, OverrideType> = {
  "": "change",
  "+": "add",
  "++": "force_add",
  "~": "delete",
};

/** Parses one override (Hydra's OverridesParser.parse_override); throws OverrideParseError with a caret. */
export function parseOverride(line: string, options: ParseOptions = {}): Override {
  try {
    const syntax = parseSyntax(line, lex(line));
    const functions = options.rng ? createFunctions(options.rng) : DEFAULT_FUNCTIONS;
    let value: GrammarValue = null;
    let valueType: ReturnType<typeof valueTypeOf> | null = null;
    if (syntax.value === "empty") {
      value = "";
      valueType = "element";
    } else if (syntax.value !== null) {
      value =
        "sweep" in syntax.value
          ? new ChoiceSweep(
              syntax.value.sweep.map((x) => evaluate(x, functions) as ParsedElement),
              true,
            )
          : evaluate(syntax.value.element, functions);
      valueType = valueTypeOf(value);
    }
    return new Override(
      PREFIX_TYPE[syntax.prefix],
      syntax.keyOrGroup,
      syntax.package,
      valueType,
      value,
      line,
    );
  } catch (e) {
    if (e instanceof SyntaxFailure || e instanceof EvaluationFailure)
      throw new OverrideParseError(line, e.column, e.message, quotingHint(line, e));
    throw e;
  }
}

/**
 * A character the grammar does not take in an unquoted value (`#` in `file:./x.mjs#Net`, a space, a quote)
 * only needs quoting; the hint shows the override quoted for Hydra, and once more for the shell.
 */
function quotingHint(line: string, e: SyntaxFailure | EvaluationFailure): string {
  const eq = line.indexOf("=");
  if (!(e instanceof SyntaxFailure) || e.tokenIndex !== null || eq < 0 || e.column <= eq) return "";
  const key = line.slice(0, eq + 1);
  const value = line.slice(eq + 1);
  if (/^['"]/.test(value)) return "";
  const quoted = value.includes("'") ? `${key}"${value}"` : `${key}'${value}'`;
  const shell = quoted.includes('"') ? `'${quoted}'` : `"${quoted}"`;
  const char = [...line][e.column] ?? "";
  if (char === "'" || char === '"') return "";
  return (
    `Hint: a value holding '${char}' must be quoted: ${quoted} ` +
    `(on a shell command line, quote the whole override too: ${shell})`
  );
}

/** Parses a list of overrides in order (Hydra's OverridesParser.parse_overrides); stops at the first error. */
export function parseOverrides(lines: readonly string[], options: ParseOptions = {}): Override[] {
  return lines.map((line) => parseOverride(line, options));
}
