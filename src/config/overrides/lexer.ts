/**
 * Lexer for Hydra 1.3's override grammar (hydra/grammar/OverrideLexer.g4), hand-written.
 *
 * It reproduces ANTLR's lexing rules exactly, because the grammar's behaviour depends on them: at each position
 * every rule of the current mode is tried, the longest match wins, and ties go to the rule defined first
 * (so `true` is BOOL, not ID; `-1` is INT, not UNQUOTED_CHAR; ` ,` is COMMA, not WS). Token type numbers follow
 * the generated ANTLR lexer so that "expecting {...}" sets print in the same order as Hydra's.
 * The input is handled as an array of code points, like Python strings, so carets line up with Hydra's.
 */

/** Token types, numbered like the generated OverrideLexer (rules with `-> type(X)` define no type of their own). */
export const T = {
  EOF: -1,
  EQUAL: 1,
  TILDE: 2,
  PLUS: 3,
  AT: 4,
  COLON: 5,
  SLASH: 6,
  KEY_SPECIAL: 7,
  DOT_PATH: 8,
  POPEN: 9,
  COMMA: 10,
  PCLOSE: 11,
  BRACKET_OPEN: 12,
  BRACKET_CLOSE: 13,
  BRACE_OPEN: 14,
  BRACE_CLOSE: 15,
  FLOAT: 16,
  INT: 17,
  BOOL: 18,
  NULL: 19,
  UNQUOTED_CHAR: 20,
  ID: 21,
  ESC: 22,
  WS: 23,
  QUOTED_VALUE: 24,
  INTERPOLATION: 25,
} as const;

const SYMBOLIC: Record<number, string> = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));
const LITERAL: Record<number, string> = { 2: "'~'", 3: "'+'", 4: "'@'", 5: "':'", 6: "'/'" };

/** How ANTLR names a token type in "expecting ..." messages: its literal if it has one, else its rule name. */
export function tokenTypeName(type: number): string {
  if (type === T.EOF) return "<EOF>";
  return LITERAL[type] ?? SYMBOLIC[type] ?? `<${type}>`;
}

export interface Token {
  type: number;
  /** Token text; `<EOF>` for the end-of-input token. */
  text: string;
  /** Code-point index of the first character. */
  start: number;
}

/** A position where no lexer rule matches: ANTLR's LexerNoViableAltException. */
export interface LexError {
  /** Code-point index where the failed token started (the caret goes here). */
  start: number;
  /** Text from the token start through the character where matching died, as ANTLR prints it. */
  text: string;
}

export interface LexResult {
  tokens: Token[];
  /** Set when lexing stopped on an unrecognizable character; tokens end just before it. */
  error: LexError | null;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
const isWs = (c: string | undefined): boolean => c === " " || c === "\t";
const isIdStart = (c: string | undefined): boolean => isAlpha(c) || c === "_";
const isIdPart = (c: string | undefined): boolean => isAlpha(c) || isDigit(c) || c === "_" || c === "-";
const isSpecialStart = (c: string | undefined): boolean => isIdStart(c) || c === "$";
const isSpecialPart = (c: string | undefined): boolean => isIdPart(c) || c === "$";

type Scanner = (s: string[], i: number) => number; // returns the end index of the match, or -1

function skipWs(s: string[], i: number): number {
  while (isWs(s[i])) i++;
  return i;
}

/** `WS? <ch> WS?` (or without the trailing WS): the punctuation tokens of VALUE_MODE. */
function punct(ch: string, wsBefore: boolean, wsAfter: boolean): Scanner {
  return (s, i) => {
    const j = wsBefore ? skipWs(s, i) : i;
    if (s[j] !== ch) return -1;
    return wsAfter ? skipWs(s, j + 1) : j + 1;
  };
}

/** INT_UNSIGNED: '0' | [1-9] (('_')? DIGIT)* */
function intUnsigned(s: string[], i: number): number {
  if (s[i] === "0") return i + 1;
  if (!isDigit(s[i])) return -1;
  let j = i + 1;
  for (;;) {
    if (isDigit(s[j])) j++;
    else if (s[j] === "_" && isDigit(s[j + 1])) j += 2;
    else return j;
  }
}

/** DIGIT (('_')? DIGIT)* */
function digits(s: string[], i: number): number {
  if (!isDigit(s[i])) return -1;
  let j = i + 1;
  for (;;) {
    if (isDigit(s[j])) j++;
    else if (s[j] === "_" && isDigit(s[j + 1])) j += 2;
    else return j;
  }
}

function word(s: string[], i: number, w: string): number {
  for (let k = 0; k < w.length; k++) if (s[i + k]?.toLowerCase() !== w[k]) return -1;
  return i + w.length;
}

const scanId: Scanner = (s, i) => {
  if (!isIdStart(s[i])) return -1;
  let j = i + 1;
  while (isIdPart(s[j])) j++;
  return j;
};

const scanKeySpecial: Scanner = (s, i) => {
  if (!isSpecialStart(s[i])) return -1;
  let j = i + 1;
  while (isSpecialPart(s[j])) j++;
  return j;
};

const scanDotPathSegment: Scanner = (s, i) => Math.max(scanKeySpecial(s, i), intUnsigned(s, i));

/** DOT_PATH: (KEY_SPECIAL | INT_UNSIGNED) ('.' (KEY_SPECIAL | INT_UNSIGNED))+ */
const scanDotPath: Scanner = (s, i) => {
  let j = scanDotPathSegment(s, i);
  if (j < 0) return -1;
  let end = -1;
  while (s[j] === ".") {
    const k = scanDotPathSegment(s, j + 1);
    if (k < 0) break;
    j = k;
    end = k;
  }
  return end;
};

/** FLOAT: [+-]? (POINT_FLOAT | EXPONENT_FLOAT | inf | nan), longest alternative. */
const scanFloat: Scanner = (s, i) => {
  const j = s[i] === "+" || s[i] === "-" ? i + 1 : i;
  let best = Math.max(word(s, j, "inf"), word(s, j, "nan"));
  const ip = intUnsigned(s, j);
  let point = -1;
  if (ip >= 0 && s[ip] === ".") point = Math.max(ip + 1, digits(s, ip + 1));
  else if (s[j] === ".") point = digits(s, j + 1);
  best = Math.max(best, point);
  const base = point >= 0 ? point : ip;
  if (base >= 0 && (s[base] === "e" || s[base] === "E")) {
    const e = s[base + 1] === "+" || s[base + 1] === "-" ? base + 2 : base + 1;
    best = Math.max(best, digits(s, e));
  }
  return best;
};

const scanInt: Scanner = (s, i) => intUnsigned(s, s[i] === "+" || s[i] === "-" ? i + 1 : i);

const scanEsc: Scanner = (s, i) => {
  let j = i;
  while (s[j] === "\\" && s[j + 1] !== undefined && "\\()[]{}:=, \t".includes(s[j + 1])) j += 2;
  return j > i ? j : -1;
};

/** QUOTED_VALUE: ends at the first matching quote preceded by an even number of backslashes. */
const scanQuoted: Scanner = (s, i) => {
  const q = s[i];
  if (q !== "'" && q !== '"') return -1;
  let backslashes = 0;
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === q && backslashes % 2 === 0) return j + 1;
    backslashes = s[j] === "\\" ? backslashes + 1 : 0;
  }
  return -1;
};

/** INTERPOLATION: '${' ~('}')+ '}' */
const scanInterpolation: Scanner = (s, i) => {
  if (s[i] !== "$" || s[i + 1] !== "{" || s[i + 2] === "}" || s[i + 2] === undefined) return -1;
  for (let j = i + 2; j < s.length; j++) if (s[j] === "}") return j + 1;
  return -1;
};

const single =
  (chars: string): Scanner =>
  (s, i) =>
    s[i] !== undefined && chars.includes(s[i]) ? i + 1 : -1;

const scanWs: Scanner = (s, i) => {
  const j = skipWs(s, i);
  return j > i ? j : -1;
};

interface Rule {
  type: number;
  scan: Scanner;
  toValueMode?: boolean;
}

// Rules in the order ANTLR defines them: on equal length the first one wins.
const KEY_RULES: Rule[] = [
  { type: T.EQUAL, scan: punct("=", false, true), toValueMode: true },
  { type: T.TILDE, scan: single("~") },
  { type: T.PLUS, scan: single("+") },
  { type: T.AT, scan: single("@") },
  { type: T.COLON, scan: single(":") },
  { type: T.SLASH, scan: single("/") },
  { type: T.ID, scan: scanId },
  { type: T.KEY_SPECIAL, scan: scanKeySpecial },
  { type: T.DOT_PATH, scan: scanDotPath },
];

const VALUE_RULES: Rule[] = [
  { type: T.POPEN, scan: punct("(", true, true) },
  { type: T.COMMA, scan: punct(",", true, true) },
  { type: T.PCLOSE, scan: punct(")", true, false) },
  { type: T.BRACKET_OPEN, scan: punct("[", false, true) },
  { type: T.BRACKET_CLOSE, scan: punct("]", true, false) },
  { type: T.BRACE_OPEN, scan: punct("{", false, true) },
  { type: T.BRACE_CLOSE, scan: punct("}", true, false) },
  { type: T.COLON, scan: punct(":", true, true) },
  { type: T.EQUAL, scan: punct("=", true, true) },
  { type: T.FLOAT, scan: scanFloat },
  { type: T.INT, scan: scanInt },
  { type: T.BOOL, scan: (s, i) => Math.max(word(s, i, "true"), word(s, i, "false")) },
  { type: T.NULL, scan: (s, i) => word(s, i, "null") },
  { type: T.UNQUOTED_CHAR, scan: single("/-\\+.$%*@?|") },
  { type: T.ID, scan: scanId },
  { type: T.ESC, scan: scanEsc },
  { type: T.WS, scan: scanWs },
  { type: T.QUOTED_VALUE, scan: scanQuoted },
  { type: T.INTERPOLATION, scan: scanInterpolation },
];

/** Where ANTLR's simulation dies when no rule matches at `i` (it prints the text up to and including it). */
function failIndex(s: string[], i: number, valueMode: boolean): number {
  if (valueMode) return s[i] === "'" || s[i] === '"' ? s.length : i;
  // In key mode only DOT_PATH can get past the first character without matching (e.g. `12=` or `1.=`).
  const j = intUnsigned(s, i);
  if (j < 0) return i;
  if (s[j] === "_" && s[i] !== "0") return j + 1;
  if (s[j] === ".") return j + 1;
  return j;
}

/** Splits an override line into tokens, starting in key mode (`valueMode` starts in VALUE_MODE instead). */
export function lex(line: string, valueMode = false): LexResult {
  const s = Array.from(line);
  const tokens: Token[] = [];
  let mode = valueMode;
  let i = 0;
  while (i < s.length) {
    let bestEnd = -1;
    let best: Rule | null = null;
    for (const rule of mode ? VALUE_RULES : KEY_RULES) {
      const end = rule.scan(s, i);
      if (end > bestEnd) {
        bestEnd = end;
        best = rule;
      }
    }
    if (best === null || bestEnd <= i) {
      const stop = Math.min(failIndex(s, i, mode), s.length - 1);
      return { tokens, error: { start: i, text: s.slice(i, stop + 1).join("") } };
    }
    tokens.push({ type: best.type, text: s.slice(i, bestEnd).join(""), start: i });
    if (best.toValueMode) mode = true;
    i = bestEnd;
  }
  tokens.push({ type: T.EOF, text: "<EOF>", start: s.length });
  return { tokens, error: null };
}
