/**
 * The parser of OmegaConf 2.3's interpolation grammar (OmegaConfGrammarParser.g4) as recursive descent over
 * the tokens of grammar-lexer.ts. It builds a small AST that resolve.ts evaluates.
 */
import { GrammarParseError } from "./errors.js";
import { type Token, type TokenType, tokenize } from "./grammar-lexer.js";

/** `${a.b}` / `${..x}` / `${a[0]}`: key pieces (".", "[", "]", key text) and nested interpolations. */
export interface NodeInterpolation {
  kind: "node";
  parts: (string | Interpolation)[];
  text: string;
}

/** `${name:arg1,arg2}`: the resolver name's pieces and the argument elements (null when none). */
export interface ResolverInterpolation {
  kind: "resolver";
  name: (string | Interpolation)[];
  args: Element[];
  text: string;
}

/** Any `${...}`. */
export type Interpolation = NodeInterpolation | ResolverInterpolation;

/** A piece of a text: a token kept for unescaping, or an interpolation. */
export type TextItem = Token | Interpolation;

/** A config value string (or quoted string content): a single interpolation keeps its type. */
export interface TextValue {
  kind: "text";
  items: TextItem[];
}

/** An unquoted primitive: one typed token, or several concatenated as a string. */
export interface PrimitiveElement {
  kind: "primitive";
  items: TextItem[];
  text: string;
}

/** A quoted string argument: always a string, with its own escapes and interpolations. */
export interface QuotedElement {
  kind: "quoted";
  content: TextValue;
  text: string;
}

/** `[a, b]` in resolver arguments. */
export interface ListElement {
  kind: "list";
  items: Element[];
  text: string;
}

/** `{k: v}` in resolver arguments (keys are unquoted primitives). */
export interface DictElement {
  kind: "dict";
  entries: { key: PrimitiveElement; value: Element }[];
  text: string;
}

/** A missing element in a sequence (`a,,b`): OmegaConf 2.3 reads it as an empty string. */
export interface EmptyElement {
  kind: "empty";
  text: string;
}

/** One resolver argument or container item (grammar rule `element`). */
export type Element = PrimitiveElement | QuotedElement | ListElement | DictElement | EmptyElement;

/** True for a `${...}` item (as opposed to a token or another element). */
export function isInterpolation(item: TextItem | Element): item is Interpolation {
  return (item as Interpolation).kind === "node" || (item as Interpolation).kind === "resolver";
}

const PRIMITIVE_TOKENS: ReadonlySet<TokenType> = new Set([
  "ID",
  "NULL",
  "INT",
  "FLOAT",
  "BOOL",
  "UNQUOTED_CHAR",
  "COLON",
  "ESC",
  "WS",
]);
const DICT_KEY_TOKENS: ReadonlySet<TokenType> = new Set([
  "ID",
  "NULL",
  "INT",
  "FLOAT",
  "BOOL",
  "UNQUOTED_CHAR",
  "ESC",
  "WS",
]);
const TEXT_TOKENS: ReadonlySet<TokenType> = new Set(["ANY_STR", "ESC", "ESC_INTER", "TOP_ESC", "QUOTED_ESC"]);

const cache = new Map<string, TextValue>();

/** Parse a config value string (grammar rule `configValue`); results are cached per string. */
export function parseConfigValue(text: string): TextValue {
  let tree = cache.get(text);
  if (!tree) {
    tree = new Parser(text, tokenize(text, "DEFAULT")).configValue();
    if (cache.size > 10000) cache.clear();
    cache.set(text, tree);
  }
  return tree;
}

/** Parse one element in value mode (grammar rule `singleElement`), as `oc.decode` does. */
export function parseSingleElement(text: string): Element {
  return new Parser(text, tokenize(text, "VALUE")).singleElement();
}

class Parser {
  private i = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private fail(expected: string): never {
    const t = this.peek();
    const what = t.type === "EOF" ? "<EOF>" : `'${t.text}'`;
    throw new GrammarParseError(
      `mismatched input ${what} expecting ${expected} (position ${t.pos}) in '${this.source}'\n  ${this.source}\n  ${" ".repeat(t.pos)}^`,
    );
  }

  private expect(type: TokenType, expected: string): Token {
    if (this.peek().type !== type) this.fail(expected);
    return this.next();
  }

  private textSince(start: number): string {
    return this.tokens
      .slice(start, this.i)
      .map((t) => t.text)
      .join("");
  }

  configValue(): TextValue {
    const value = this.text();
    if (value.items.length === 0 || this.peek().type !== "EOF") this.fail("'${' or text");
    return value;
  }

  singleElement(): Element {
    const el = this.element();
    if (this.peek().type !== "EOF") this.fail("<EOF>");
    return el;
  }

  /** `text: (interpolation | ANY_STR | ESC | ESC_INTER | TOP_ESC | QUOTED_ESC)+` */
  private text(): TextValue {
    const items: TextItem[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === "INTER_OPEN") items.push(this.interpolation());
      else if (TEXT_TOKENS.has(t.type)) items.push(this.next());
      else break;
    }
    return { kind: "text", items };
  }

  /** `interpolation: interpolationNode | interpolationResolver` */
  private interpolation(): Interpolation {
    const start = this.i;
    this.expect("INTER_OPEN", "'${'");
    const parts: (string | Interpolation)[] = [];
    const partTypes: (TokenType | "INTER")[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === "INTER_OPEN") {
        parts.push(this.interpolation());
        partTypes.push("INTER");
      } else if (["DOT", "BRACKET_OPEN", "BRACKET_CLOSE", "ID", "INTER_KEY"].includes(t.type)) {
        parts.push(this.next().text);
        partTypes.push(t.type);
      } else break;
    }
    if (this.peek().type === "COLON") {
      this.checkResolverName(partTypes);
      this.next();
      const args = this.peek().type === "BRACE_CLOSE" ? [] : this.sequence("BRACE_CLOSE");
      this.expect("BRACE_CLOSE", "'}'");
      return { kind: "resolver", name: parts, args, text: this.textSince(start) };
    }
    this.checkNodeKey(partTypes);
    this.expect("INTER_CLOSE", "'}' or ':'");
    return { kind: "node", parts, text: this.textSince(start) };
  }

  /** `DOT* (configKey | '[' configKey ']') (DOT configKey | '[' configKey ']')*` */
  private checkNodeKey(types: (TokenType | "INTER")[]): void {
    const isKey = (t: TokenType | "INTER" | undefined) => t === "INTER" || t === "ID" || t === "INTER_KEY";
    let k = 0;
    while (types[k] === "DOT") k++;
    let first = true;
    for (;;) {
      if (!first && k === types.length) return;
      if (types[k] === "BRACKET_OPEN") {
        if (!isKey(types[k + 1])) this.failAt(k + 1, types, "a config key");
        if (types[k + 2] !== "BRACKET_CLOSE") this.failAt(k + 2, types, "']'");
        k += 3;
      } else if (first && isKey(types[k])) {
        k += 1;
      } else if (!first && types[k] === "DOT") {
        if (!isKey(types[k + 1])) this.failAt(k + 1, types, "a config key");
        k += 2;
      } else {
        this.failAt(k, types, first ? "a config key" : "'.', '[' or '}'");
      }
      first = false;
    }
  }

  /** `resolverName: (interpolation | ID) (DOT (interpolation | ID))*` */
  private checkResolverName(types: (TokenType | "INTER")[]): void {
    for (let k = 0; k < types.length; k++) {
      const ok = k % 2 === 0 ? types[k] === "ID" || types[k] === "INTER" : types[k] === "DOT";
      if (!ok) this.failAt(k, types, "a resolver name");
    }
    if (types.length === 0 || types.length % 2 === 0) this.failAt(types.length, types, "a resolver name");
  }

  private failAt(k: number, types: unknown[], expected: string): never {
    // Rewind to the offending part so the caret points at it.
    this.i -= types.length - k;
    this.fail(expected);
  }

  /** `sequence: (element (COMMA element?)*) | (COMMA element?)+`, up to (not including) `close`. */
  private sequence(close: TokenType): Element[] {
    const items: Element[] = [];
    let previousWasComma = true;
    let consumed = false;
    while (this.peek().type !== close) {
      consumed = true;
      if (this.peek().type === "COMMA") {
        if (previousWasComma) items.push({ kind: "empty", text: "" });
        previousWasComma = true;
        this.next();
      } else {
        if (!previousWasComma) this.fail("',' or closing bracket");
        items.push(this.element());
        previousWasComma = false;
      }
    }
    if (consumed && previousWasComma) items.push({ kind: "empty", text: "" });
    return items;
  }

  /** `element: primitive | quotedValue | listContainer | dictContainer` */
  private element(): Element {
    const start = this.i;
    const t = this.peek();
    if (t.type === "QUOTE_OPEN_SINGLE" || t.type === "QUOTE_OPEN_DOUBLE") {
      this.next();
      const content = this.text();
      this.expect("MATCHING_QUOTE_CLOSE", "a closing quote");
      return { kind: "quoted", content, text: this.textSince(start) };
    }
    if (t.type === "BRACKET_OPEN") {
      this.next();
      const items = this.peek().type === "BRACKET_CLOSE" ? [] : this.sequence("BRACKET_CLOSE");
      this.expect("BRACKET_CLOSE", "']'");
      return { kind: "list", items, text: this.textSince(start) };
    }
    if (t.type === "BRACE_OPEN") {
      this.next();
      const entries: DictElement["entries"] = [];
      if (this.peek().type !== "BRACE_CLOSE") {
        for (;;) {
          const key = this.primitive(DICT_KEY_TOKENS, false);
          this.expect("COLON", "':'");
          entries.push({ key, value: this.element() });
          if (this.peek().type !== "COMMA") break;
          this.next();
        }
      }
      this.expect("BRACE_CLOSE", "',' or '}'");
      return { kind: "dict", entries, text: this.textSince(start) };
    }
    return this.primitive(PRIMITIVE_TOKENS, true);
  }

  /** `primitive: (ID | NULL | INT | FLOAT | BOOL | UNQUOTED_CHAR | COLON | ESC | WS | interpolation)+` */
  private primitive(allowed: ReadonlySet<TokenType>, allowInterpolation: boolean): PrimitiveElement {
    const start = this.i;
    const items: TextItem[] = [];
    for (;;) {
      const t = this.peek();
      if (allowInterpolation && t.type === "INTER_OPEN") items.push(this.interpolation());
      else if (allowed.has(t.type)) items.push(this.next());
      else break;
    }
    if (items.length === 0) this.fail(allowInterpolation ? "a value" : "a dict key");
    return { kind: "primitive", items, text: this.textSince(start) };
  }
}
