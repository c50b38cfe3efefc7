import assert from "node:assert/strict";
import { test } from "node:test";
import { OverrideParseError, parseOverride } from "../../../src/config/overrides/index.js";

// Pieces that exercise every token and rule boundary of the grammar.
const PIECES = [
  "a",
  "b.c",
  "=",
  "+",
  "~",
  "@",
  "/",
  ":",
  ",",
  " ",
  "\t",
  "[",
  "]",
  "{",
  "}",
  "(",
  ")",
  "'",
  '"',
  "\\",
  "1",
  "-2",
  "3.5",
  "1e3",
  "inf",
  "nan",
  "true",
  "null",
  "$",
  "{x}",
  "choice(",
  "range(",
  "sort(",
  "tag(",
  "glob(",
  "shuffle(",
  "int(",
  "str(",
  "interval(",
  "reverse=",
  "*",
  "ש",
  "!",
  "_",
  "1_0",
];

function* lines(seed: number, count: number): Generator<string> {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const n = 1 + (next() % 9);
    let line = next() % 3 === 0 ? "" : "k=";
    for (let j = 0; j < n; j++) line += PIECES[next() % PIECES.length];
    yield line;
  }
}

test("any input either parses or fails with an OverrideParseError that points into the line", () => {
  let parsed = 0;
  for (const line of lines(42, 5000)) {
    try {
      parseOverride(line);
      parsed++;
    } catch (e) {
      assert.ok(e instanceof OverrideParseError, `${JSON.stringify(line)}: ${String(e)}`);
      assert.ok(e.column >= 0 && e.column <= Array.from(line).length, JSON.stringify(line));
      assert.ok(e.detail.length > 0, JSON.stringify(line));
    }
  }
  assert.ok(parsed > 100, `only ${parsed} inputs parsed`);
});
