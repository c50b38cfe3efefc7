/**
 * Turns the syntax tree of a value into values (Hydra's HydraOverrideVisitor): primitives are typed (null,
 * bool, int, float, string, QuotedString), multi-token primitives are joined into strings with escapes removed,
 * and function calls are evaluated. Errors carry the column of the construct that failed.
 */
import { formatPyFloat, PyFloat } from "../../common/pyvalue.js";
import { unescapeQuoted } from "./format.js";
import { T, type Token } from "./lexer.js";
import type { Ast } from "./parser.js";
import { PyError } from "./pycompat.js";
import { callFunction, type FunctionDef } from "./signature.js";
import { type GrammarValue, type ParsedElement, QuotedString, setDictEntry } from "./types.js";

/** An error raised while building values, located at a code-point column of the override. */
export class EvaluationFailure extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const unescapeEsc = (text: string): string =>
  Array.from(text)
    .filter((_, i) => i % 2 === 1)
    .join("");

function intLiteral(text: string): number {
  const n = Number(text.replaceAll("_", ""));
  return n === 0 ? 0 : n;
}

function floatLiteral(text: string): PyFloat {
  const t = text.replaceAll("_", "").toLowerCase();
  const sign = t.startsWith("-") ? -1 : 1;
  const body = t.replace(/^[+-]/, "");
  if (body === "inf") return new PyFloat(sign * Number.POSITIVE_INFINITY);
  if (body === "nan") return new PyFloat(Number.NaN);
  return new PyFloat(Number(t));
}

/** Hydra's _createPrimitive: one token gives a typed value; several are joined into a string. */
export function createPrimitive(tokens: Token[]): ParsedElement {
  let first = 0;
  let last = tokens.length;
  if (tokens[0].type === T.WS) {
    if (last === 1)
      throw new EvaluationFailure(tokens[0].start, "Trying to parse a primitive that is all whitespaces");
    first = 1;
  }
  if (tokens[last - 1].type === T.WS) last--;
  if (last - first > 1)
    return tokens
      .slice(first, last)
      .map((t) => (t.type === T.ESC ? unescapeEsc(t.text) : t.text))
      .join("");
  const t = tokens[first];
  switch (t.type) {
    case T.QUOTED_VALUE:
      return new QuotedString(unescapeQuoted(t.text), t.text[0] as "'" | '"');
    case T.INT:
      return intLiteral(t.text);
    case T.FLOAT:
      return floatLiteral(t.text);
    case T.NULL:
      return null;
    case T.BOOL:
      return t.text.toLowerCase() === "true";
    case T.ESC:
      return unescapeEsc(t.text);
    default:
      return t.text;
  }
}

/** A typed dict key as a string key of the plain-object dict (`{1: a}` -> "1", `{null: a}` -> "null"). */
function dictKeyString(key: ParsedElement): string {
  if (key === null) return "null";
  if (key instanceof PyFloat) return formatPyFloat(key.value);
  return String(key);
}

/** Evaluates a value's syntax tree with the given grammar functions. */
export function evaluate(ast: Ast, functions: Map<string, FunctionDef>): GrammarValue {
  switch (ast.kind) {
    case "primitive":
      return createPrimitive(ast.tokens);
    case "list":
      return ast.items.map((x) => evaluate(x, functions) as ParsedElement);
    case "dict": {
      const out: { [key: string]: ParsedElement } = {};
      for (const { key, value } of ast.entries)
        setDictEntry(out, dictKeyString(createPrimitive(key)), evaluate(value, functions));
      return out;
    }
    case "function":
      return evaluateFunction(ast, functions);
  }
}

function evaluateFunction(
  ast: Extract<Ast, { kind: "function" }>,
  functions: Map<string, FunctionDef>,
): GrammarValue {
  const args: GrammarValue[] = [];
  const kwargs = new Map<string, GrammarValue>();
  for (const arg of ast.args) {
    if (arg.name !== null) kwargs.set(arg.name, evaluate(arg.value, functions));
    else if (kwargs.size > 0)
      throw new EvaluationFailure(arg.start, "positional argument follows keyword argument");
    else args.push(evaluate(arg.value, functions));
  }
  const def = functions.get(ast.name);
  try {
    if (def === undefined)
      throw new PyError(
        "HydraException",
        `Unknown function '${ast.name}'\nAvailable: ${[...functions.keys()].sort().join(",")}\n`,
      );
    return callFunction(def, args, kwargs);
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    throw new EvaluationFailure(ast.start, `${e.pyType} while evaluating '${ast.text}': ${e.message}`);
  }
}
