// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolation strings are the test data.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import {
  ConfigError,
  DictNode,
  fromPlain,
  isContainer,
  registerResolver,
  resolveNode,
  toContainer,
  ValueNode,
} from "../../../src/config/omegaconf/index.js";
import { decodeElement } from "../../../src/config/omegaconf/resolve.js";
import { loadCases, untag } from "./helpers.js";

// The fixed config of OmegaConf's test_grammar.py.
const cfg = fromPlain({
  str: "hi",
  int: 123,
  float: 1.2,
  dict: { a: 0 },
  list: Array.from({ length: 11 }, (_, x) => x - 1),
  null: null,
  "x@y": 123,
  "0": 0,
  "1": { "2": 12 },
  FalsE: { TruE: true },
  None: { null: 1 },
  str_test: "test",
  ref_str: "str",
  options: { a: "A", b: "B" },
  choice: "a",
  rel_opt: ".options",
}) as DictNode;

registerResolver("test", (...args: unknown[]) => (args.length === 1 ? args[0] : args), { replace: true });
registerResolver("first", (item: unknown) => Object.keys(item as object)[0], { replace: true });
registerResolver("ns1.ns2.test", (...args: unknown[]) => (args.length === 1 ? args[0] : args), {
  replace: true,
});

/** Plain, comparable form: nodes to containers, floats (PyFloat or not) to numbers, NaN to "nan". */
function normalize(v: unknown): unknown {
  if (v instanceof ValueNode) return normalize(v.value);
  if (isContainer(v)) return normalize(toContainer(v, { resolve: true }));
  if (v instanceof PyFloat) return normalize(v.value);
  if (typeof v === "number" && Number.isNaN(v)) return "nan";
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

interface Case {
  name: string;
  text: string;
  expected: unknown;
}
const cases = loadCases<{ singleElement: Case[]; configValue: Case[] }>("grammar.json");

function check(c: Case, evaluate: () => unknown): void {
  const expected = c.expected as { $error?: string };
  if (expected !== null && typeof expected === "object" && "$error" in expected) {
    assert.throws(evaluate, (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
      const names: string[] = [];
      for (let p = Object.getPrototypeOf(e); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
        names.push(p.constructor.name);
      }
      assert.ok(
        names.includes(expected.$error as string),
        `${e.name} is not a ${expected.$error}: ${e.message}`,
      );
      return true;
    });
    return;
  }
  assert.deepEqual(normalize(evaluate()), normalize(untag(c.expected)));
}

for (const c of cases.singleElement) {
  test(`grammar singleElement ${c.name}: ${c.text}`, () => {
    // Evaluated as oc.decode does, from a node that sits at the config's root.
    const holder = new ValueNode("${placeholder}");
    holder.parent = cfg;
    holder.key = "__holder__";
    check(c, () => decodeElement(c.text, { node: holder, memo: new Set() }));
  });
}

for (const c of cases.configValue) {
  test(`grammar configValue ${c.name}: ${c.text}`, () => {
    const root = fromPlain(toContainer(cfg)) as DictNode;
    root.set("__value__", new ValueNode(c.text));
    check(c, () => resolveNode(root.get("__value__") as ValueNode));
  });
}

test("grammar errors show the text and a caret under the offending token", () => {
  const root = new DictNode();
  root.set("a", new ValueNode("${foo . bar}", [{ file: "c.yaml", line: 3 }]));
  assert.throws(
    () => resolveNode(root.get("a") as ValueNode),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^token recognition error at: ' ' \(position 5\)/);
      assert.match(e.message, /\n {2}\$\{foo \. bar\}\n {7}\^/);
      assert.match(e.message, /full_key: a\n {2}at c\.yaml:3/);
      return true;
    },
  );
});

test("parser errors say what was expected", () => {
  const root = fromPlain({ a: "${b.}", c: "${oc.select:[1,}" }) as DictNode;
  assert.throws(
    () => resolveNode(root.get("a") as ValueNode),
    /^GrammarParseError: mismatched input '}' expecting a config key \(position 4\)/,
  );
  assert.throws(
    () => resolveNode(root.get("c") as ValueNode),
    /^GrammarParseError: mismatched input '}' expecting a value \(position 15\)/,
  );
});
