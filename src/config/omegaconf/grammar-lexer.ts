/**
 * The lexer of OmegaConf 2.3's interpolation grammar (OmegaConfGrammarLexer.g4), ported rule by rule.
 * Like ANTLR, each step takes the longest match among the current mode's rules (ties go to the rule
 * listed first), and tokens push/pop lexer modes. It runs over the whole string before parsing.
 */
import { GrammarParseError } from "./errors.js";

/** Token types (after ANTLR's `-> type(...)` remapping). */
export type TokenType =
  | "INTER_OPEN"
  | "INTER_CLOSE"
  | "ANY_STR"
  | "ESC_INTER"
  | "TOP_ESC"
  | "QUOTED_ESC"
  | "BRACE_OPEN"
  | "BRACE_CLOSE"
  | "QUOTE_OPEN_SINGLE"
  | "QUOTE_OPEN_DOUBLE"
  | "MATCHING_QUOTE_CLOSE"
  | "COMMA"
  | "BRACKET_OPEN"
  | "BRACKET_CLOSE"
  | "COLON"
  | "FLOAT"
  | "INT"
  | "BOOL"
  | "NULL"
  | "UNQUOTED_CHAR"
  | "ID"
  | "ESC"
  | "WS"
  | "DOT"
  | "INTER_KEY"
  | "EOF";

/** One token with its text and start offset in the input. */
export interface Token {
  type: TokenType;
  text: string;
  pos: number;
}

type Mode = "DEFAULT" | "VALUE" | "INTERPOLATION" | "QUOTED_SINGLE" | "QUOTED_DOUBLE";
type ModeAction = { push: Mode } | { pop: true } | { set: Mode } | null;

interface Rule {
  type: TokenType;
  /** Length of the match at `pos`, or -1. */
  match: (s: string, pos: number) => number;
  action?: ModeAction;
}

function re(pattern: RegExp): (s: string, pos: number) => number {
  const sticky = new RegExp(pattern.source, `${pattern.flags.replace("y", "")}y`);
  return (s, pos) => {
    sticky.lastIndex = pos;
    const m = sticky.exec(s);
    return m && m[0].length > 0 ? m[0].length : -1;
  };
}

/** Longest of several regexes (JS alternation is first-match, ANTLR is longest-match). */
function longest(...patterns: RegExp[]): (s: string, pos: number) => number {
  const fns = patterns.map(re);
  return (s, pos) => Math.max(...fns.map((f) => f(s, pos)));
}

/** `~[X]* ~[Y]`: the longest run of chars not in `notIn`, ending in a char also not in `notLast`. */
function runEndingWith(notIn: string, notLast: string): (s: string, pos: number) => number {
  return (s, pos) => {
    let end = pos;
    while (end < s.length && !notIn.includes(s[end])) end++;
    while (end > pos && notLast.includes(s[end - 1])) end--;
    return end > pos ? end - pos : -1;
  };
}

const INT_U = "(?:0|[1-9](?:_?[0-9])*)";
const DIGITS = "[0-9](?:_?[0-9])*";
const EXP = `[eE][+-]?${DIGITS}`;
const ESC_INTER = re(/(?:\\\\)*\\\$\{/);
const INTER_OPEN = re(/\$\{[ \t]*/);
const ID = re(/[a-zA-Z_][a-zA-Z0-9_-]*/);

const DEFAULT_RULES: Rule[] = [
  { type: "INTER_OPEN", match: INTER_OPEN, action: { push: "INTERPOLATION" } },
  { type: "ANY_STR", match: runEndingWith("$", "\\$") },
  { type: "ESC_INTER", match: ESC_INTER },
  { type: "TOP_ESC", match: re(/(?:\\\\)+/) },
  { type: "ANY_STR", match: re(/\\+/) },
  { type: "ANY_STR", match: re(/\$/) },
];

const VALUE_RULES: Rule[] = [
  { type: "INTER_OPEN", match: INTER_OPEN, action: { push: "INTERPOLATION" } },
  { type: "BRACE_OPEN", match: re(/\{[ \t]*/), action: { push: "VALUE" } },
  { type: "BRACE_CLOSE", match: re(/[ \t]*\}/), action: { pop: true } },
  { type: "QUOTE_OPEN_SINGLE", match: re(/'/), action: { push: "QUOTED_SINGLE" } },
  { type: "QUOTE_OPEN_DOUBLE", match: re(/"/), action: { push: "QUOTED_DOUBLE" } },
  { type: "COMMA", match: re(/[ \t]*,[ \t]*/) },
  { type: "BRACKET_OPEN", match: re(/\[[ \t]*/) },
  { type: "BRACKET_CLOSE", match: re(/[ \t]*\]/) },
  { type: "COLON", match: re(/[ \t]*:[ \t]*/) },
  {
    type: "FLOAT",
    match: longest(
      new RegExp(`[+-]?${INT_U}?\\.${DIGITS}(?:${EXP})?`),
      new RegExp(`[+-]?${INT_U}\\.(?:${EXP})?`),
      new RegExp(`[+-]?${INT_U}${EXP}`),
      /[+-]?(?:[Ii][Nn][Ff]|[Nn][Aa][Nn])/,
    ),
  },
  { type: "INT", match: re(new RegExp(`[+-]?${INT_U}`)) },
  { type: "BOOL", match: re(/[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]/) },
  { type: "NULL", match: re(/[Nn][Uu][Ll][Ll]/) },
  { type: "UNQUOTED_CHAR", match: re(/[/\-\\+.$%*@?|]/) },
  { type: "ID", match: ID },
  { type: "ESC", match: re(/(?:\\\\|\\[()[\]{}:=, \t])+/) },
  { type: "WS", match: re(/[ \t]+/) },
];

const INTERPOLATION_RULES: Rule[] = [
  { type: "INTER_OPEN", match: re(/\$\{[ \t]*/), action: { push: "INTERPOLATION" } },
  { type: "COLON", match: re(/[ \t]*:[ \t]*/), action: { set: "VALUE" } },
  { type: "INTER_CLOSE", match: re(/[ \t]*\}/), action: { pop: true } },
  { type: "DOT", match: re(/\./) },
  { type: "BRACKET_OPEN", match: re(/\[/) },
  { type: "BRACKET_CLOSE", match: re(/\]/) },
  { type: "ID", match: ID },
  { type: "INTER_KEY", match: re(/[^\\{}()[\]:. \t'"]+/) },
];

function quotedRules(quote: "'" | '"'): Rule[] {
  const escQuote = quote === "'" ? /(?:\\\\)*\\'/ : /(?:\\\\)*\\"/;
  return [
    { type: "INTER_OPEN", match: INTER_OPEN, action: { push: "INTERPOLATION" } },
    { type: "MATCHING_QUOTE_CLOSE", match: re(quote === "'" ? /'/ : /"/), action: { pop: true } },
    { type: "ANY_STR", match: runEndingWith(`${quote}$`, `${quote}\\$`) },
    { type: "ESC_INTER", match: ESC_INTER },
    { type: "ESC", match: re(escQuote) },
    { type: "QUOTED_ESC", match: re(/(?:\\\\)+/) },
    { type: "ANY_STR", match: re(/\\+/) },
    { type: "ANY_STR", match: re(/\$/) },
  ];
}

const RULES: Record<Mode, Rule[]> = {
  DEFAULT: DEFAULT_RULES,
  VALUE: VALUE_RULES,
  INTERPOLATION: INTERPOLATION_RULES,
  QUOTED_SINGLE: quotedRules("'"),
  QUOTED_DOUBLE: quotedRules('"'),
};

/** Tokenize `text` starting in `mode` (DEFAULT for config values, VALUE for `oc.decode`). */
export function tokenize(text: string, mode: "DEFAULT" | "VALUE" = "DEFAULT"): Token[] {
  const tokens: Token[] = [];
  const modes: Mode[] = [mode];
  let pos = 0;
  while (pos < text.length) {
    const current = modes[modes.length - 1] ?? mode;
    let best: Rule | undefined;
    let bestLen = -1;
    for (const rule of RULES[current]) {
      const len = rule.match(text, pos);
      if (len > bestLen) {
        best = rule;
        bestLen = len;
      }
    }
    if (!best || bestLen <= 0) {
      throw new GrammarParseError(
        `token recognition error at: '${text[pos]}' (position ${pos}) in '${text}'\n  ${text}\n  ${" ".repeat(pos)}^`,
      );
    }
    tokens.push({ type: best.type, text: text.slice(pos, pos + bestLen), pos });
    pos += bestLen;
    const action = best.action;
    if (action && "push" in action) modes.push(action.push);
    else if (action && "pop" in action) {
      // ANTLR pops past the bottom only with an error; an unbalanced '}' stays for the parser to reject.
      if (modes.length > 1) modes.pop();
    } else if (action && "set" in action) modes[modes.length - 1] = action.set;
  }
  tokens.push({ type: "EOF", text: "", pos: text.length });
  return tokens;
}
