import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import {
  escapeSpecialCharacters,
  formatElement,
  parseOverride,
  QuotedString,
  withQuotes,
} from "../../../src/config/overrides/index.js";

// Hydra's test_escape_special_characters
const ESCAPES: Array<[string, string]> = [
  ["abc", "abc"],
  ["\\", "\\\\"],
  ["\\\\\\", "\\\\\\\\\\\\"],
  ["()", "\\(\\)"],
  ["[]", "\\[\\]"],
  ["{}", "\\{\\}"],
  [":=,", "\\:\\=\\,"],
  ["  \t", "\\ \\ \\\t"],
  ["ab\\(cd{ef}[gh]): ij,kl\t", "ab\\\\\\(cd\\{ef\\}\\[gh\\]\\)\\:\\ ij\\,kl\\\t"],
];

test("escapeSpecialCharacters escapes like Hydra's escape_special_characters", () => {
  for (const [input, expected] of ESCAPES) assert.equal(escapeSpecialCharacters(input), expected, input);
});

test("escaped strings parse back to the original string", () => {
  for (const [input] of ESCAPES) {
    const s = `x${input}y`;
    assert.equal(parseOverride(`k=${escapeSpecialCharacters(s)}`).value, s);
  }
});

test("withQuotes inverts the quoted-string un-escaping for any backslash/quote mix", () => {
  const pieces = ["a", "\\", "'", '"', " ", "$" + "{x}"];
  const texts: string[] = [""];
  for (let round = 0; round < 3; round++)
    for (const t of [...texts]) for (const p of pieces) if (texts.length < 400) texts.push(t + p);
  for (const text of texts)
    for (const quote of ["'", '"'] as const) {
      const written = withQuotes(new QuotedString(text, quote));
      const parsed = parseOverride(`k=${written}`).value;
      assert.ok(parsed instanceof QuotedString, written);
      assert.equal(parsed.text, text, written);
      assert.equal(parsed.quote, quote);
    }
});

test("formatElement prints values the way Hydra's job overrides show them", () => {
  assert.equal(formatElement(null), "null");
  assert.equal(formatElement(true), "True");
  assert.equal(formatElement(new PyFloat(1)), "1.0");
  assert.equal(formatElement(new PyFloat(1e-5)), "1e-05");
  assert.equal(formatElement(["a b", 1, { k: new QuotedString("v", '"') }]), '[a\\ b,1,{k:"v"}]');
  assert.equal(formatElement({ a: [1, 2] }, true), "{a: [1, 2]}");
});

test("valueElementAsString refuses sweeps", () => {
  assert.throws(() => parseOverride("x=1,2").valueElementAsString(), /Cannot convert sweep to str/);
});
