/**
 * The token-stream side of the override parser, modelled on ANTLR's runtime so that errors read like Hydra's:
 * a lexer error surfaces when the parser first needs the token at its position, the first syntax error is
 * raised (Hydra's error listener raises), and it is reported like ANTLR's DefaultErrorStrategy does: sync()
 * before blocks and at loop ends, single-token deletion ("extraneous input") and insertion ("missing"), and
 * expected-token sets followed up the stack of invoking rules.
 */
import { SyntaxFailure } from "./errors.js";
import { type LexResult, T, type Token, tokenTypeName } from "./lexer.js";

export interface Follow {
  tokens: number[];
  /** The invoking rule can end right after this invocation, so its own follow applies too. */
  eps: boolean;
}

function setDisplay(types: Iterable<number>): string {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const names = sorted.map(tokenTypeName);
  return names.length === 1 ? names[0] : `{${names.join(", ")}}`;
}

function quoteDisplay(text: string): string {
  return `'${text.replaceAll("\n", "\\n").replaceAll("\r", "\\r").replaceAll("\t", "\\t")}'`;
}

/** Token access and error reporting for the recursive-descent rules in parser.ts. */
export class Recognizer {
  protected pos = 0;
  /** Reading the first element of a value for the LL(*) decision: fail at once, without recovery lookahead. */
  protected speculating = false;
  private readonly stack: Follow[] = [];
  protected readonly cps: string[];

  constructor(
    line: string,
    private readonly lexed: LexResult,
  ) {
    this.cps = Array.from(line);
  }

  // ---- token stream (a lexer error surfaces when the parser first needs the token at its position) ----

  protected LT(k: number): Token {
    const i = this.pos + k - 1;
    const { tokens, error } = this.lexed;
    if (i >= tokens.length) {
      if (error)
        throw new SyntaxFailure(error.start, `token recognition error at: ${quoteDisplay(error.text)}`);
      return tokens[tokens.length - 1];
    }
    return tokens[i];
  }

  protected LA(k: number): number {
    return this.LT(k).type;
  }

  protected consume(): Token {
    const t = this.LT(1);
    this.pos++;
    if (t.type !== T.EOF) this.LT(1); // ANTLR's token stream fetches the next token on consume
    return t;
  }

  protected within<R>(tokens: number[], eps: boolean, rule: () => R): R {
    this.stack.push({ tokens, eps });
    const r = rule();
    this.stack.pop();
    return r;
  }

  // ---- ANTLR DefaultErrorStrategy ----

  protected fail(at: Token, detail: string): never {
    throw new SyntaxFailure(at.start, detail, this.pos);
  }

  /** Expected tokens at a state: its own, then what follows each invoking rule while they can end; EOF at the top. */
  private expected(local: number[], eps: boolean): number[] {
    const out = [...local];
    if (!eps) return out;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      out.push(...this.stack[i].tokens);
      if (!this.stack[i].eps) return out;
    }
    out.push(T.EOF);
    return out;
  }

  /** Matches one token, or reports it like ANTLR's recoverInline (extraneous / missing / mismatched). */
  protected match(type: number, after: number[], afterEps: boolean): Token {
    if (this.LA(1) === type) return this.consume();
    const la = this.LT(1);
    if (this.speculating) this.fail(la, "");
    if (this.LA(2) === type)
      this.fail(la, `extraneous input ${this.display(la)} expecting ${setDisplay([type])}`);
    if (this.expected(after, afterEps).includes(la.type))
      this.fail(la, `missing ${setDisplay([type])} at ${this.display(la)}`);
    this.fail(la, `mismatched input ${this.display(la)} expecting ${setDisplay([type])}`);
  }

  /** ANTLR's sync() before a block ("block") or at the end of a loop iteration ("loopBack"). */
  protected sync(local: number[], eps: boolean, kind: "block" | "loopBack"): void {
    const la = this.LT(1);
    if (local.includes(la.type) || eps) return;
    if (this.speculating) this.fail(la, "");
    const expected = setDisplay(this.expected(local, false));
    if (kind === "loopBack" || local.includes(this.LA(2)))
      this.fail(la, `extraneous input ${this.display(la)} expecting ${expected}`);
    this.fail(la, `mismatched input ${this.display(la)} expecting ${expected}`);
  }

  /** ANTLR's NoViableAltException: no alternative of a decision matches the input from `start`. */
  protected noViable(start: Token, offending: Token): never {
    const end =
      offending.type === T.EOF ? this.cps.length : offending.start + Array.from(offending.text).length;
    const text = start.type === T.EOF ? "<EOF>" : this.cps.slice(start.start, end).join("");
    this.fail(offending, `no viable alternative at input ${quoteDisplay(text)}`);
  }

  private display(t: Token): string {
    return quoteDisplay(t.text);
  }
}
