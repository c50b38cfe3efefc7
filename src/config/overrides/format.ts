/**
 * Turning parsed values back into override text exactly as Hydra prints them (job overrides in multirun,
 * `.hydra/overrides.yaml`), plus the quoting and escaping rules shared with the parser.
 */
import { formatPyFloat, PyFloat } from "../../common/pyvalue.js";
import { isDict, type ParsedElement, QuotedString } from "./types.js";

// Characters that must be escaped in unquoted strings (the ESC lexer token); `_ESC` in Hydra's grammar utils.
const ESCAPED = "\\()[]{}:=, \t";

/** Hydra's escape_special_characters: backslash-escapes `\ ( ) [ ] { } : = , space tab`. */
export function escapeSpecialCharacters(s: string): string {
  let out = "";
  for (const c of s) out += ESCAPED.includes(c) ? `\\${c}` : c;
  return out;
}

/**
 * Finds runs of backslashes directly followed by `quote` (Hydra's `_ESC_QUOTED_STR`); returns [start, stop) pairs.
 */
function backslashQuoteRuns(text: string, quote: string): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "\\") continue;
    let j = i;
    while (text[j] === "\\") j++;
    if (text[j] === quote) runs.push([i, j + 1]);
    i = j - 1;
  }
  return runs;
}

/** Un-escapes the text of a QUOTED_VALUE token (quotes included): `\'` -> `'`, `\\'` at the end -> `\`. */
export function unescapeQuoted(token: string): string {
  const quote = token[0];
  const text = token.slice(1); // keep the closing quote: it terminates the last backslash run
  let out = "";
  let last = 0;
  for (const [start, stop] of backslashQuoteRuns(text, quote)) {
    out += text.slice(last, start);
    // Keep every other character of the run: `\\\'` -> `\'`, `\\'` (trailing) -> `\`.
    for (let k = start + 1; k < stop; k += 2) out += text[k];
    last = stop;
  }
  if (text.length - last > 1) out += text.slice(last, -1);
  return out;
}

/** The override text of a quoted string (Hydra's QuotedString.with_quotes), the inverse of unescapeQuoted. */
export function withQuotes(q: QuotedString): string {
  const qc = q.quote;
  const text = q.text + qc; // the closing quote makes trailing backslashes count as "before a quote"
  let out = "";
  let last = 0;
  for (const [start, stop] of backslashQuoteRuns(text, qc)) {
    out += text.slice(last, start).replaceAll(qc, `\\${qc}`);
    out += "\\".repeat((stop - start - 1) * 2);
    if (stop < text.length) out += `\\${qc}`;
    last = stop;
  }
  if (text.length - last > 1) out += text.slice(last, -1).replaceAll(qc, `\\${qc}`);
  return qc + out + qc;
}

/**
 * A parsed element as override text (Hydra's `Override._get_value_element_as_str`): strings escaped,
 * quoted strings re-quoted, floats as Python repr, bools as `True`/`False`, None as `null`.
 */
export function formatElement(value: ParsedElement, spaceAfterSep = false): string {
  const comma = spaceAfterSep ? ", " : ",";
  const colon = spaceAfterSep ? ": " : ":";
  if (value === null) return "null";
  if (value instanceof QuotedString) return withQuotes(value);
  if (Array.isArray(value)) return `[${value.map((x) => formatElement(x, spaceAfterSep)).join(comma)}]`;
  if (typeof value === "string") return escapeSpecialCharacters(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatPyFloat(value);
  if (value instanceof PyFloat) return formatPyFloat(value.value);
  if (isDict(value)) {
    const items = Object.entries(value).map(
      ([k, v]) => `${formatElement(k)}${colon}${formatElement(v, spaceAfterSep)}`,
    );
    return `{${items.join(comma)}}`;
  }
  throw new TypeError(`cannot format ${String(value)} as an override value`);
}
