import assert from "node:assert/strict";
import { test } from "node:test";
import { lex, T, tokenTypeName } from "../../../src/config/overrides/lexer.js";

const types = (line: string, valueMode = true) =>
  lex(line, valueMode).tokens.map((t) => tokenTypeName(t.type));

test("longest match wins, ties go to the earlier rule (as in ANTLR)", () => {
  assert.deepEqual(types("true"), ["BOOL", "<EOF>"]);
  assert.deepEqual(types("trueish"), ["ID", "<EOF>"]);
  assert.deepEqual(types("-1"), ["INT", "<EOF>"]);
  assert.deepEqual(types("-inf"), ["FLOAT", "<EOF>"]);
  assert.deepEqual(types("a ,b"), ["ID", "COMMA", "ID", "<EOF>"]);
  assert.deepEqual(types("f (x)"), ["ID", "POPEN", "ID", "PCLOSE", "<EOF>"]);
  assert.deepEqual(types("a : b"), ["ID", "':'", "ID", "<EOF>"]);
  assert.deepEqual(types("$" + "{a}b"), ["INTERPOLATION", "ID", "<EOF>"]);
  assert.deepEqual(types("$" + "{}"), ["UNQUOTED_CHAR", "BRACE_OPEN", "BRACE_CLOSE", "<EOF>"]);
  assert.deepEqual(types("\\,\\ x"), ["ESC", "ID", "<EOF>"]);
});

test("key mode: ids, $-keys, dot paths and the switch to value mode at '='", () => {
  assert.deepEqual(types("a.b=c d", false), ["DOT_PATH", "EQUAL", "ID", "WS", "ID", "<EOF>"]);
  assert.deepEqual(types("$x=1", false), ["KEY_SPECIAL", "EQUAL", "INT", "<EOF>"]);
  assert.deepEqual(types("+a/b@c=", false), ["'+'", "ID", "'/'", "ID", "'@'", "ID", "EQUAL", "<EOF>"]);
});

test("a quoted value ends at the first quote preceded by an even number of backslashes", () => {
  const r = lex("'a\\'b' 'c\\\\'", true);
  assert.deepEqual(
    r.tokens.map((t) => [t.type, t.text]),
    [
      [T.QUOTED_VALUE, "'a\\'b'"],
      [T.WS, " "],
      [T.QUOTED_VALUE, "'c\\\\'"],
      [T.EOF, "<EOF>"],
    ],
  );
});

test("unrecognized input stops lexing with ANTLR's error text", () => {
  assert.deepEqual(lex("x=a!b").error, { start: 3, text: "!" });
  assert.deepEqual(lex("12=1").error, { start: 0, text: "12=" });
  assert.deepEqual(lex("x='ab").error, { start: 2, text: "'ab" });
  assert.equal(lex("x=ab").error, null);
});
