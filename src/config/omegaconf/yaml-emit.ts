/**
 * A port of the parts of PyYAML's Emitter that `yaml.dump(default_flow_style=False, allow_unicode=True)`
 * uses for plain data: block mappings and sequences, empty `{}`/`[]`, and the scalar style choice and
 * writers (plain, single- and double-quoted, with folding at 80 columns), so the text matches PyYAML's.
 */

const BREAKS = "\n\x85\u2028\u2029";
const WHITESPACE = `\0 \t\r${BREAKS}`;

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

function isPrintableUnicode(code: number): boolean {
  return (
    code === 0x85 ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code < 0x10ffff)
  );
}

/** PyYAML's Emitter.analyze_scalar (allow_unicode=True), reduced to the block-context flags used here. */
export function analyzeScalar(scalar: string): Analysis {
  const chars = [...scalar];
  if (chars.length === 0)
    return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith("---") || scalar.startsWith("...")) blockIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index];
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ("?:".includes(ch) && followedByWhitespace) blockIndicators = true;
      if (ch === "-" && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWhitespace) blockIndicators = true;
      if (ch === "#" && precededByWhitespace) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const code = ch.codePointAt(0) ?? 0;
    if (!(ch === "\n" || (code >= 0x20 && code <= 0x7e))) {
      if (!(isPrintableUnicode(code) && code !== 0xfeff)) special = true;
    }
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE.includes(chars[index + 2]);
  }
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowBlockPlain = false;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowBlockPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\x08": "b",
  "\x09": "t",
  "\x0A": "n",
  "\x0B": "v",
  "\x0C": "f",
  "\x0D": "r",
  "\x1B": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xA0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

/** The output stream with PyYAML's column / whitespace / indention bookkeeping. */
export class YamlWriter {
  out = "";
  column = 0;
  whitespace = true;
  indention = true;
  indent = 0;
  readonly bestWidth = 80;

  write(data: string): void {
    this.column += [...data].length;
    this.out += data;
  }

  writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out += data;
  }

  writeIndent(): void {
    const indent = this.indent;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.out += " ".repeat(indent - this.column);
      this.column = indent;
    }
  }

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.write(data);
  }

  /**
   * Write a scalar the way process_scalar does. `implicitPlain`: the text would read back as the same
   * type when plain; `forceQuote`: the representer asked for single quotes.
   */
  writeScalar(text: string, opts: { implicitPlain: boolean; forceQuote: boolean; simpleKey: boolean }): void {
    const a = analyzeScalar(text);
    const split = !opts.simpleKey;
    if (
      !opts.forceQuote &&
      opts.implicitPlain &&
      !(opts.simpleKey && (a.empty || a.multiline)) &&
      a.allowBlockPlain
    ) {
      this.writePlain(text, split);
    } else if (a.allowSingleQuoted && !(opts.simpleKey && a.multiline)) {
      this.writeSingleQuoted(text, split);
    } else {
      this.writeDoubleQuoted(text, split);
    }
  }

  writePlain(text: string, split: boolean): void {
    const chars = [...text];
    if (chars.length === 0) return;
    if (!this.whitespace) this.write(" ");
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(chars.slice(start, end).join(""));
          }
          start = end;
        }
      } else if (ch === undefined || ` ${BREAKS}`.includes(ch)) {
        this.write(chars.slice(start, end).join(""));
        start = end;
      }
      if (ch !== undefined) spaces = ch === " ";
    }
  }

  writeSingleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    const chars = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== " ") {
          if (
            start + 1 === end &&
            this.column > this.bestWidth &&
            split &&
            start !== 0 &&
            end !== chars.length
          ) {
            this.writeIndent();
          } else {
            this.write(chars.slice(start, end).join(""));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === "\n") this.writeLineBreak();
          for (const br of chars.slice(start, end)) {
            if (br === "\n") this.writeLineBreak();
            else this.writeLineBreak(br);
          }
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ` ${BREAKS}`.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(""));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === " ";
        breaks = BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  writeDoubleQuoted(text: string, split: boolean): void {
    this.writeIndicator('"', true);
    const chars = [...text];
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      const code = ch?.codePointAt(0) ?? 0;
      if (
        ch === undefined ||
        '"\\\x85\u2028\u2029\uFEFF'.includes(ch) ||
        !(
          (code >= 0x20 && code <= 0x7e) ||
          (code >= 0xa0 && code <= 0xd7ff) ||
          (code >= 0xe000 && code <= 0xfffd)
        )
      ) {
        if (start < end) {
          this.write(chars.slice(start, end).join(""));
          start = end;
        }
        if (ch !== undefined) {
          let data: string;
          if (ch in ESCAPES) data = `\\${ESCAPES[ch]}`;
          else if (code <= 0xff) data = `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
          else if (code <= 0xffff) data = `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
          else data = `\\U${code.toString(16).toUpperCase().padStart(8, "0")}`;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < chars.length - 1 &&
        (ch === " " || start >= end) &&
        this.column + (end - start) > this.bestWidth &&
        split
      ) {
        const data = `${chars.slice(start, end).join("")}\\`;
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === " ") this.write("\\");
      }
    }
    this.writeIndicator('"', false);
  }
}
