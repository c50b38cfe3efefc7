// hparams.yaml text (PyYAML block style as OmegaConf.save writes it) and the flatten / sanitize / prefix
// helpers, with expectations taken from PyYAML 6.0.3 and Lightning 2.6.6.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import { hparamsYaml } from "../../../src/lightning/loggers/hparams-yaml.js";
import { addPrefix, flattenDict, sanitizeParams } from "../../../src/lightning/loggers/params.js";

test("hparamsYaml writes what PyYAML's dump(sort_keys=False) writes for the same data", () => {
  const text = hparamsYaml({
    lr: 0.05,
    one: new PyFloat(1),
    net: { hidden: 8, act: "relu", layers: [1, 2, { a: 1, b: "x" }], e: {}, l: [] },
    s1: "1",
    s2: "true",
    s4: "null",
    nothing: null,
    b: true,
    small: 1e-5,
    neg: -2.5e-7,
    colon: "a: b",
    hash: "#x",
    empty: "",
    inf: Number.POSITIVE_INFINITY,
    nan: Number.NaN,
  });
  assert.equal(
    text,
    [
      "lr: 0.05",
      "one: 1.0",
      "net:",
      "  hidden: 8",
      "  act: relu",
      "  layers:",
      "  - 1",
      "  - 2",
      "  - a: 1",
      "    b: x",
      "  e: {}",
      "  l: []",
      "s1: '1'",
      "s2: 'true'",
      "s4: 'null'",
      "nothing: null",
      "b: true",
      "small: 1.0e-05",
      "neg: -2.5e-07",
      "colon: 'a: b'",
      "hash: '#x'",
      "empty: ''",
      "inf: .inf",
      "nan: .nan",
      "",
    ].join("\n"),
  );
  assert.equal(hparamsYaml({}), "{}\n");
});

test("a value YAML cannot hold makes Lightning's fallback: keys sorted, that key skipped with a warning", async () => {
  const warning = new Promise<string>((resolve) => process.once("warning", (w) => resolve(w.message)));
  const text = hparamsYaml({ z: 1, fn: () => 1, a: "x" });
  assert.equal(text, "a: x\nz: 1\n");
  assert.match(await warning, /Skipping 'fn' parameter/);
});

test("flattenDict and sanitizeParams give the keys and values Lightning sends to TensorBoard", () => {
  const flat = flattenDict({
    lr: 0.001,
    opt: { name: "adam", betas: { b1: 0.9 }, empty: {} },
    sizes: [64, 32],
    m: new Map([["k", 1]]),
  });
  assert.deepEqual(Object.keys(flat), ["lr", "opt/name", "opt/betas/b1", "sizes", "m/k"]);
  assert.deepEqual(
    sanitizeParams({
      ...flat,
      dropout: null,
      names: ["a", "b'c", 'd"e'],
      nested: [{ a: new PyFloat(1) }, true, null],
      f: new PyFloat(2),
      ok: false,
    }),
    {
      lr: 0.001,
      "opt/name": "adam",
      "opt/betas/b1": 0.9,
      sizes: "[64, 32]",
      "m/k": 1,
      dropout: "None",
      names: `['a', "b'c", 'd"e']`,
      nested: "[{'a': 1.0}, True, None]",
      f: 2,
      ok: false,
    },
  );
});

test("addPrefix joins with the separator only when a prefix is set", () => {
  assert.deepEqual(addPrefix({ a: 1 }, "", "-"), { a: 1 });
  assert.deepEqual(addPrefix({ a: 1, "b/c": 2 }, "fit", "-"), { "fit-a": 1, "fit-b/c": 2 });
});
