/**
 * Runs the override-grammar conformance cases in cases/*.cases.json: Hydra 1.3's own parser tests
 * (tests/test_overrides_parser.py) ported as data, plus cases for its lexing and error-reporting rules.
 * Each case names an override and any of: the parsed value, value type, override type, key, package, plain
 * value, string forms, key element, sweep expansion, or the expected error and caret column.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  OverrideParseError,
  parseOverride,
  sweepEncoded,
  sweepStrings,
} from "../../../src/config/overrides/index.js";
import { encode, type Json } from "./encode.js";

interface Case {
  id: string;
  in: string;
  value?: Json;
  valueType?: string | null;
  type?: string;
  key?: string;
  package?: string | null;
  plain?: Json;
  plainSorted?: Json[];
  str?: string;
  strSpaced?: string;
  keyElement?: string;
  sweep?: string[];
  sweepSorted?: string[];
  encoded?: Json[];
  sweepError?: string;
  noGlobCandidates?: boolean;
  error?: string;
  errorContains?: string;
  column?: number;
  message?: string;
}

// Hydra's own glob test words, used as the options of the swept config group.
const GROUP_OPTIONS = ["the", "quick", "brown", "fox", "jumped", "under", "the", "lazy", "dog"];

// A fixed random source so shuffles are reproducible.
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function runCase(c: Case): void {
  const expectsError = c.error !== undefined || c.errorContains !== undefined || c.message !== undefined;
  if (expectsError) {
    const err = (() => {
      try {
        parseOverride(c.in);
      } catch (e) {
        return e;
      }
      assert.fail(`expected '${c.in}' to fail`);
    })();
    assert.ok(err instanceof OverrideParseError, `not an OverrideParseError: ${String(err)}`);
    if (c.error !== undefined) assert.equal(err.detail, c.error);
    if (c.errorContains !== undefined) assert.ok(err.detail.includes(c.errorContains), err.detail);
    if (c.column !== undefined) assert.equal(err.column, c.column);
    if (c.message !== undefined) assert.equal(err.message, c.message);
    assert.ok(err.message.startsWith(`Error parsing override '${c.in}'\n${c.in}\n`));
    return;
  }
  const o = parseOverride(c.in, { rng: seeded(7) });
  assert.equal(o.inputLine, c.in);
  if ("value" in c) assert.deepEqual(encode(o.value), c.value);
  if ("valueType" in c) assert.equal(o.valueType, c.valueType);
  if (c.type !== undefined) assert.equal(o.type, c.type);
  if (c.key !== undefined) assert.equal(o.keyOrGroup, c.key);
  if ("package" in c) assert.equal(o.package, c.package);
  if ("plain" in c) assert.deepEqual(encode(o.plainValue()), c.plain);
  if (c.plainSorted !== undefined) {
    const v = o.plainValue();
    assert.ok(Array.isArray(v));
    assert.deepEqual(encode([...v].sort()), c.plainSorted);
  }
  if (c.str !== undefined) assert.equal(o.valueElementAsString(), c.str);
  if (c.strSpaced !== undefined) assert.equal(o.valueElementAsString(true), c.strSpaced);
  if (c.keyElement !== undefined) assert.equal(o.keyElement, c.keyElement);
  const options = { globCandidates: c.noGlobCandidates ? undefined : GROUP_OPTIONS, rng: seeded(11) };
  if (c.sweep !== undefined) assert.deepEqual(sweepStrings(o, options), c.sweep);
  if (c.sweepSorted !== undefined) assert.deepEqual(sweepStrings(o, options).sort(), c.sweepSorted);
  if (c.encoded !== undefined) assert.deepEqual(encode(sweepEncoded(o, options)), c.encoded);
  if (c.sweepError !== undefined) assert.throws(() => sweepStrings(o, options), { message: c.sweepError });
  // The override text of a value must parse back to the same text (how multirun rebuilds job overrides;
  // like Hydra, a string such as "10" comes back as the int 10, which prints the same; "true" comes back as
  // the bool, which prints as "True", so those are left out).
  const boolLike = typeof o.value === "string" && /^(true|false)$/i.test(o.value);
  if (o.valueType === "element" && !c.in.includes("shuffle(") && !boolLike) {
    const text = o.valueElementAsString();
    assert.equal(parseOverride(`${o.keyElement}=${text}`).valueElementAsString(), text);
  }
}

const dir = join(import.meta.dirname, "cases");
let total = 0;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".cases.json"))
  .sort()) {
  const cases = JSON.parse(readFileSync(join(dir, file), "utf8")) as Case[];
  total += cases.length;
  for (const c of cases) test(`${file}: ${c.id}: ${JSON.stringify(c.in)}`, () => runCase(c));
}

test("the conformance suite has at least 300 cases", () => {
  assert.ok(total >= 300, `only ${total} cases`);
});
