import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConfigError,
  ConfigKeyError,
  type DictNode,
  fromPlain,
  getNode,
  type ListNode,
  merge,
  mergeConfigs,
  type Node,
  parseYamlConfig,
  provenanceOf,
  ReadonlyConfigError,
  setReadonly,
  setStruct,
  toContainer,
} from "../../../src/config/omegaconf/index.js";
import { loadCases } from "./helpers.js";

interface MergeCase {
  name: string;
  inputs: unknown[];
  expected?: unknown;
  expected_raw?: unknown;
  keys?: string[];
  error?: string;
  message?: string;
}

for (const c of loadCases<MergeCase[]>("merge.json")) {
  test(`merge: ${c.name}`, () => {
    const configs = c.inputs.map((x) => fromPlain(x));
    const before = configs.map((n) => JSON.stringify(toContainer(n as DictNode)));
    if (c.error !== undefined) {
      assert.throws(
        () => mergeConfigs(...configs),
        (e: unknown) =>
          e instanceof ConfigError && e.name === c.error && e.message.includes(c.message as string),
      );
      return;
    }
    const merged = mergeConfigs(...configs);
    if (c.expected !== undefined) assert.deepEqual(toContainer(merged, { resolve: true }), c.expected);
    if (c.expected_raw !== undefined) assert.deepEqual(toContainer(merged), c.expected_raw);
    if (c.keys) assert.deepEqual(Object.keys(toContainer(merged) as object), c.keys);
    // The inputs are not changed.
    assert.deepEqual(
      configs.map((n) => JSON.stringify(toContainer(n as DictNode))),
      before,
    );
  });
}

test("merge: floats stay floats and ints stay ints", () => {
  const a = parseYamlConfig("lr: 1.0\nn: 1\n", {}).node;
  const b = parseYamlConfig("n: 2.0\n", {}).node;
  const m = mergeConfigs(a, b);
  assert.equal(String((getNode(m, "lr") as { value: unknown }).value), "1.0");
  assert.equal(String((getNode(m, "n") as { value: unknown }).value), "2.0");
});

test("merge: struct mode rejects new keys and names the key path", () => {
  const base = fromPlain({ model: { lr: 0.1 } }) as DictNode;
  setStruct(base, true);
  assert.throws(
    () => merge(base, fromPlain({ model: { lr: 0.2, momentum: 0.9 } })),
    (e: unknown) =>
      e instanceof ConfigKeyError &&
      e.keyPath === "model.momentum" &&
      /Key 'momentum' is not in struct/.test(e.message),
  );
  // Existing keys merge fine in struct mode.
  merge(base, fromPlain({ model: { lr: 0.3 } }));
  assert.deepEqual(toContainer(base), { model: { lr: 0.3 } });
});

test("merge: a source's explicit flags replace the destination's", () => {
  const dest = fromPlain({ a: { b: 1 } }) as DictNode;
  const src = fromPlain({ a: { b: 2 } }) as DictNode;
  setStruct(src.get("a") as Node, true);
  merge(dest, src);
  assert.equal(dest.get("a")?.getFlag("struct"), true);
  assert.equal(dest.getFlag("struct"), false);
});

test("merge: read-only targets refuse merge_with, but mergeConfigs copies and keeps the flag", () => {
  const ro = fromPlain({ foo: "bar" }) as DictNode;
  setReadonly(ro, true);
  assert.throws(() => merge(ro, fromPlain({ zoo: "foo" })), ReadonlyConfigError);
  const merged = mergeConfigs(ro, fromPlain({ zoo: "foo" }));
  assert.deepEqual(toContainer(merged), { foo: "bar", zoo: "foo" });
  assert.equal(merged.getFlag("readonly"), true);
  const roList = fromPlain([1, 2, 3]) as ListNode;
  setReadonly(roList, true);
  assert.throws(() => merge(roList, fromPlain([4])), ReadonlyConfigError);
  assert.deepEqual(toContainer(mergeConfigs(roList, fromPlain([4]))), [4]);
});

test("merge: parents are maintained and inputs untouched", () => {
  const c1 = fromPlain({ a: { b: 10 } }) as DictNode;
  const c2 = fromPlain({ aa: { bb: 100 } }) as DictNode;
  const c3 = mergeConfigs(c1, c2) as DictNode;
  assert.equal(c3.get("a")?.parent, c3);
  assert.equal(c3.get("aa")?.parent, c3);
  assert.equal(c1.get("a")?.parent, c1);
  assert.equal(c2.get("aa")?.parent, c2);
  assert.notEqual(c3.get("aa"), c2.get("aa"));
});

test("merge: provenance chains record every file that set a value", () => {
  const a = parseYamlConfig("model:\n  lr: 0.1\n  wd: 0\n", { file: "config.yaml" }).node;
  const b = parseYamlConfig("model:\n  lr: 0.01\n", { file: "model/big.yaml" }).node;
  const c = parseYamlConfig("model:\n  lr: 0.5\n", { file: "experiment/x.yaml" }).node;
  const m = mergeConfigs(a, b, c);
  assert.deepEqual(
    provenanceOf(m, "model.lr").map((p) => `${p.file}:${p.line}`),
    ["config.yaml:2", "model/big.yaml:2", "experiment/x.yaml:2"],
  );
  assert.deepEqual(
    provenanceOf(m, "model.wd").map((p) => `${p.file}:${p.line}`),
    ["config.yaml:3"],
  );
  // A missing value in a later file does not change the value, so it is not in the chain.
  const d = parseYamlConfig("model:\n  wd: ???\n", { file: "d.yaml" }).node;
  assert.deepEqual(
    provenanceOf(mergeConfigs(m, d), "model.wd").map((p) => p.file),
    ["config.yaml"],
  );
});
