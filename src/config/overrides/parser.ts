/**
 * Recursive-descent parser for Hydra 1.3's override grammar (hydra/grammar/OverrideParser.g4):
 *
 *   override: (key EQUAL value? | TILDE key (EQUAL value?)? | PLUS PLUS? key EQUAL value?) EOF;
 *   key: packageOrGroup (AT package)?;   packageOrGroup: package | ID (SLASH ID)+;
 *   package: ( | ID | KEY_SPECIAL | DOT_PATH);   value: element | simpleChoiceSweep;
 *   element: primitive | listContainer | dictContainer | function;   simpleChoiceSweep: element (COMMA element)+;
 *   function: ID POPEN (argName? element (COMMA argName? element)*)? PCLOSE;   argName: ID EQUAL;
 *   listContainer: BRACKET_OPEN (element (COMMA element)*)? BRACKET_CLOSE;
 *   dictContainer: BRACE_OPEN (dictKeyValuePair (COMMA dictKeyValuePair)*)? BRACE_CLOSE;
 *   dictKeyValuePair: dictKey COLON element;   primitive: QUOTED_VALUE | (ID|NULL|INT|...|WS)+;
 *
 * Syntax errors are reported the way ANTLR's DefaultErrorStrategy reports the first one (Hydra raises on the
 * first): the same sync points, single-token deletion/insertion, expected-token sets followed through the rule
 * stack, and the LL(*) decision of `value`, which reads the whole first element before choosing (so errors
 * inside it are "no viable alternative at input '...'").
 */
import { SyntaxFailure } from "./errors.js";
import { type LexResult, T, type Token } from "./lexer.js";
import { Recognizer } from "./recognizer.js";

export type Ast =
  | { kind: "primitive"; tokens: Token[] }
  | { kind: "list"; items: Ast[] }
  | { kind: "dict"; entries: Array<{ key: Token[]; value: Ast }> }
  | { kind: "function"; name: string; start: number; text: string; args: FunctionArg[] };

export interface FunctionArg {
  name: string | null;
  value: Ast;
  start: number;
}

export interface OverrideSyntax {
  prefix: "" | "+" | "++" | "~";
  keyOrGroup: string;
  package: string | null;
  /** null: no `=` (`~key`); "empty": `key=`; else the element or the items of a simple sweep `a,b,c`. */
  value: null | "empty" | { element: Ast } | { sweep: Ast[] };
}

const PRIM_LOOP: number[] = [
  T.ID,
  T.NULL,
  T.INT,
  T.FLOAT,
  T.BOOL,
  T.INTERPOLATION,
  T.UNQUOTED_CHAR,
  T.COLON,
  T.ESC,
  T.WS,
];
const PRIM_FIRST: number[] = [T.QUOTED_VALUE, ...PRIM_LOOP];
const ELEM_FIRST: number[] = [...PRIM_FIRST, T.BRACKET_OPEN, T.BRACE_OPEN];
const DICT_KEY: number[] = [T.ID, T.NULL, T.INT, T.FLOAT, T.BOOL, T.UNQUOTED_CHAR, T.ESC, T.WS];
const KEY_FIRST: number[] = [T.EQUAL, T.AT, T.KEY_SPECIAL, T.DOT_PATH, T.ID];

class Parser extends Recognizer {
  // ---- rules ----

  override(): OverrideSyntax {
    this.sync([...KEY_FIRST, T.TILDE, T.PLUS], false, "block");
    let prefix: OverrideSyntax["prefix"] = "";
    let key: { keyOrGroup: string; package: string | null };
    let value: OverrideSyntax["value"];
    const la = this.LA(1);
    if (la === T.TILDE) {
      this.consume();
      prefix = "~";
      key = this.within([T.EQUAL, T.EOF], false, () => this.key());
      this.sync([T.EQUAL, T.EOF], false, "block");
      value = null;
      if (this.LA(1) === T.EQUAL) {
        this.consume();
        value = this.optionalValue();
      }
    } else if (la === T.PLUS || KEY_FIRST.includes(la)) {
      if (la === T.PLUS) {
        this.consume();
        prefix = "+";
        this.sync([T.PLUS, ...KEY_FIRST], false, "block");
        if (this.LA(1) === T.PLUS) {
          this.consume();
          prefix = "++";
        }
      }
      key = this.within([T.EQUAL], false, () => this.key());
      this.match(T.EQUAL, [...ELEM_FIRST, T.EOF], false);
      value = this.optionalValue();
    } else {
      this.noViable(this.LT(1), this.LT(1));
    }
    this.match(T.EOF, [], true);
    return { prefix, ...key, value };
  }

  private optionalValue(): OverrideSyntax["value"] {
    this.sync([...ELEM_FIRST, T.EOF], false, "block");
    if (!ELEM_FIRST.includes(this.LA(1))) return "empty";
    return this.within([T.EOF], false, () => this.value());
  }

  private key(): { keyOrGroup: string; package: string | null } {
    const keyOrGroup = this.within([T.AT], true, () => this.packageOrGroup());
    let pkg: string | null = null;
    if (this.LA(1) === T.AT) {
      this.consume();
      pkg = this.within([], true, () => this.package());
    }
    return { keyOrGroup, package: pkg };
  }

  private packageOrGroup(): string {
    if (this.LA(1) !== T.ID || this.LA(2) !== T.SLASH) return this.within([], true, () => this.package());
    let text = this.consume().text;
    do {
      text += this.match(T.SLASH, [T.ID], false).text;
      text += this.match(T.ID, [T.SLASH], true).text;
    } while (this.LA(1) === T.SLASH);
    return text;
  }

  private package(): string {
    const la = this.LA(1);
    if (la === T.EOF || la === T.EQUAL || la === T.AT) return "";
    if (la === T.ID || la === T.KEY_SPECIAL || la === T.DOT_PATH) return this.consume().text;
    this.noViable(this.LT(1), this.LT(1));
  }

  /** value: element | simpleChoiceSweep, decided like ANTLR's LL(*) prediction: read the first element first. */
  private value(): OverrideSyntax["value"] {
    const start = this.LT(1);
    let first: Ast;
    this.speculating = true;
    try {
      first = this.element();
      this.speculating = false;
    } catch (e) {
      this.speculating = false;
      // A syntax error inside the first element means no alternative of `value` can match.
      if (e instanceof SyntaxFailure && e.tokenIndex !== null) {
        this.pos = e.tokenIndex;
        this.noViable(start, this.LT(1));
      }
      throw e;
    }
    if (this.LA(1) !== T.COMMA) return { element: first };
    const items = [first];
    do {
      this.match(T.COMMA, ELEM_FIRST, false);
      items.push(this.within([T.COMMA], true, () => this.element()));
    } while (this.LA(1) === T.COMMA);
    return { sweep: items };
  }

  private element(): Ast {
    this.sync(ELEM_FIRST, false, "block");
    const la = this.LA(1);
    if (la === T.ID && this.LA(2) === T.POPEN) return this.function();
    if (la === T.BRACKET_OPEN) return this.listContainer();
    if (la === T.BRACE_OPEN) return this.dictContainer();
    return this.primitive();
  }

  private primitive(): Ast {
    if (this.LA(1) === T.QUOTED_VALUE) return { kind: "primitive", tokens: [this.consume()] };
    return { kind: "primitive", tokens: this.tokenLoop(PRIM_LOOP) };
  }

  /** `( A | B | ... )+` over single tokens (primitive, dictKey). */
  private tokenLoop(set: number[]): Token[] {
    this.sync(set, false, "block");
    const tokens: Token[] = [];
    do tokens.push(this.consume());
    while (set.includes(this.LA(1)));
    return tokens;
  }

  /** `open (item (COMMA item)*)? close`, shared by lists, dicts and function arguments. */
  private sequence<R>(first: number[], close: number, item: () => R): R[] {
    this.sync([...first, close], false, "block");
    const items: R[] = [];
    if (first.includes(this.LA(1))) {
      items.push(this.within([T.COMMA, close], false, item));
      this.sync([T.COMMA, close], false, "block");
      while (this.LA(1) === T.COMMA) {
        this.match(T.COMMA, first, false);
        items.push(this.within([T.COMMA, close], false, item));
        this.sync([T.COMMA, close], false, "loopBack");
      }
    }
    this.match(close, [], true);
    return items;
  }

  private listContainer(): Ast {
    this.match(T.BRACKET_OPEN, [...ELEM_FIRST, T.BRACKET_CLOSE], false);
    return { kind: "list", items: this.sequence(ELEM_FIRST, T.BRACKET_CLOSE, () => this.element()) };
  }

  private dictContainer(): Ast {
    this.match(T.BRACE_OPEN, [...DICT_KEY, T.BRACE_CLOSE], false);
    const entries = this.sequence(DICT_KEY, T.BRACE_CLOSE, () => {
      const key = this.within([T.COLON], false, () => this.tokenLoop(DICT_KEY));
      this.match(T.COLON, ELEM_FIRST, false);
      return { key, value: this.within([], true, () => this.element()) };
    });
    return { kind: "dict", entries };
  }

  private function(): Ast {
    const id = this.match(T.ID, [T.POPEN], false);
    this.match(T.POPEN, [...ELEM_FIRST, T.PCLOSE], false);
    const args = this.sequence(ELEM_FIRST, T.PCLOSE, () => {
      this.sync(ELEM_FIRST, false, "block");
      const start = this.LT(1).start;
      let name: string | null = null;
      if (this.LA(1) === T.ID && this.LA(2) === T.EQUAL) {
        name = this.match(T.ID, [T.EQUAL], false).text;
        this.match(T.EQUAL, ELEM_FIRST, false);
      }
      return { name, value: this.element(), start };
    });
    const end = this.LT(1).start; // the token after PCLOSE
    return {
      kind: "function",
      name: id.text,
      start: id.start,
      text: this.cps.slice(id.start, end).join(""),
      args,
    };
  }
}

/** Parses the tokens of one override line into its syntax tree; throws SyntaxFailure at the first error. */
export function parseSyntax(line: string, lexed: LexResult): OverrideSyntax {
  return new Parser(line, lexed).override();
}
