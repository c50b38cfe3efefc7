/**
 * MLflow's `meta.yaml` files as PyYAML's `yaml.dump(default_flow_style=False, allow_unicode=True,
 * sort_keys=True)` writes them: sorted keys, block style, scalars quoted only where PyYAML quotes them.
 * Written by hand because the `yaml` package follows YAML 1.2 (it leaves `yes`, `on`, `0o17` unquoted where
 * PyYAML's YAML 1.1 resolver quotes them) and so would not give the same bytes. Reading uses the `yaml` package.
 */
import { parse } from "yaml";
import { resolvesAsNonString } from "../../../config/omegaconf/pyyaml-resolvers.js";

/** The values a meta.yaml holds: strings, ints, null and the always-empty `tags: []`. */
export type MetaValue = string | number | null | readonly never[];

const BREAKS = "\n\r\x85\u2028\u2029";

/** PyYAML's notion of a printable character with allow_unicode=True. */
function isPrintable(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  if (c === 0x0a || (c >= 0x20 && c <= 0x7e)) return true;
  if (c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)) return c !== 0xfeff;
  return c >= 0x10000 && c < 0x110000;
}

/** Which styles PyYAML's `analyze_scalar` allows for a block-context mapping value. */
function analyze(s: string): { plain: boolean; singleQuoted: boolean } {
  if (s === "") return { plain: false, singleQuoted: true };
  let indicators = false;
  let special = false;
  let lineBreak = false;
  if (s.startsWith("---") || s.startsWith("...")) indicators = true;
  const chars = [...s];
  chars.forEach((ch, i) => {
    const next = chars[i + 1];
    const followedBySpace = next === undefined || next === " " || next === "\t" || BREAKS.includes(next);
    const prev = chars[i - 1];
    const precededBySpace = prev === undefined || prev === " " || prev === "\t" || BREAKS.includes(prev);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) indicators = true;
      if ((ch === "?" || ch === ":" || ch === "-") && followedBySpace) indicators = true;
    } else {
      if (ch === ":" && followedBySpace) indicators = true;
      if (ch === "#" && precededBySpace) indicators = true;
    }
    if (BREAKS.includes(ch)) lineBreak = true;
    else if (!isPrintable(ch)) special = true;
  });
  // Line breaks would need PyYAML's folded single-quoted form; double quotes read back the same.
  if (special || lineBreak) return { plain: false, singleQuoted: false };
  return { plain: !indicators && !s.startsWith(" ") && !s.endsWith(" "), singleQuoted: true };
}

/** A double-quoted scalar with PyYAML's escapes. */
function doubleQuoted(s: string): string {
  const named: Record<string, string> = {
    "\0": "0",
    "\x07": "a",
    "\b": "b",
    "\t": "t",
    "\n": "n",
    "\v": "v",
    "\f": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
  };
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (named[ch] !== undefined && ch !== "\xa0") out += `\\${named[ch]}`;
    else if (isPrintable(ch)) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += `\\U${code.toString(16).toUpperCase().padStart(8, "0")}`;
  }
  return `"${out}"`;
}

/** Writes plain or single-quoted text, folding at single spaces past column 80 like PyYAML's emitter. */
function folded(text: string, startColumn: number, quoted: boolean): string {
  let out = "";
  let column = startColumn;
  // A quoted scalar never folds at its first or last inner character.
  const [first, last] = quoted ? [2, text.length - 3] : [1, text.length - 2];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const lone = ch === " " && text[i - 1] !== " " && text[i + 1] !== " " && i >= first && i <= last;
    if (lone && column > 80) {
      out += "\n  ";
      column = 2;
    } else {
      out += ch;
      column += 1;
    }
  }
  return out;
}

/** One string as PyYAML dumps it as a mapping value written after `startColumn` characters. */
export function pyyamlString(s: string, startColumn = 0): string {
  const { plain, singleQuoted } = analyze(s);
  if (plain && !resolvesAsNonString(s)) return folded(s, startColumn, false);
  if (singleQuoted) return folded(`'${s.replaceAll("'", "''")}'`, startColumn, true);
  return doubleQuoted(s);
}

/** A flat mapping as PyYAML's default block dump with sorted keys (what MLflow's write_yaml produces). */
export function dumpMetaYaml(data: Readonly<Record<string, MetaValue>>): string {
  const keys = Object.keys(data).sort();
  let out = "";
  for (const key of keys) {
    const value = data[key];
    const head = `${pyyamlString(key)}:`;
    let text: string;
    if (value === null) text = "null";
    else if (Array.isArray(value)) text = "[]";
    else if (typeof value === "number") text = String(value);
    else text = pyyamlString(value as string, head.length + 1);
    out += `${head} ${text}\n`;
  }
  return out;
}

/** Parses a meta.yaml into a plain object (YAML 1.1 like PyYAML, so `'0'` stays a string and ints stay ints). */
export function parseMetaYaml(text: string, where: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parse(text, { version: "1.1", intAsBigInt: false });
  } catch (err) {
    throw new Error(`${where}: not valid YAML (${(err as Error).message})`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new Error(`${where}: expected a mapping of MLflow metadata, got ${JSON.stringify(data)}`);
  }
  return data as Record<string, unknown>;
}
