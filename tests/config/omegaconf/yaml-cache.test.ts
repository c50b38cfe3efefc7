// The build-time cache of parsed config files (src/config/omegaconf/yaml-cache.ts): a stored tree must read
// back as exactly what the parser gives (classes, key order, values, provenance), and only for the very text
// it was made from.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import { DictNode, ListNode, type Node, type ValueNode } from "../../../src/config/omegaconf/nodes.js";
import { packTree, prebuiltTree, unpackTree } from "../../../src/config/omegaconf/yaml-cache.js";
import { parseYamlConfig } from "../../../src/config/omegaconf/yaml-load.js";

const ROOT = join(import.meta.dirname, "../../..");

function configFiles(dir = join(ROOT, "configs")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? configFiles(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : [],
  );
}

/** Fails unless the two trees are the same node for node (values compared with Object.is). */
function assertSameTree(got: Node, want: Node, path = "<root>"): void {
  assert.equal(got.constructor, want.constructor, `${path}: node kind`);
  assert.deepEqual(got.provenance, want.provenance, `${path}: provenance`);
  assert.deepEqual(got.flags, want.flags, `${path}: flags`);
  if (want instanceof DictNode) {
    const g = got as DictNode;
    assert.deepEqual(g.keys(), want.keys(), `${path}: keys`);
    for (const k of want.keys()) assertSameTree(g.get(k)!, want.get(k)!, `${path}.${k}`);
  } else if (want instanceof ListNode) {
    const g = got as ListNode;
    assert.equal(g.items.length, want.items.length, `${path}: length`);
    for (const [i, item] of want.items.entries()) assertSameTree(g.items[i]!, item, `${path}[${i}]`);
  } else {
    const g = (got as ValueNode).value;
    const w = (want as ValueNode).value;
    if (w instanceof PyFloat) {
      assert.ok(g instanceof PyFloat, `${path}: a PyFloat`);
      assert.ok(Object.is(g.value, w.value), `${path}: ${g.value} vs ${w.value}`);
    } else {
      assert.ok(Object.is(g, w), `${path}: ${String(g)} vs ${String(w)}`);
    }
  }
}

/** What the cache stores, read back: a JSON round trip, as through dist/yaml-cache.json. */
function roundTrip(text: string, file: string | undefined): Node {
  const stored = JSON.parse(JSON.stringify(packTree(parseYamlConfig(text).node)));
  return unpackTree(stored, file);
}

test("every shipped config reads back from its stored tree as the parser gives it", () => {
  const files = configFiles();
  assert.ok(files.length > 20, "the configs are there");
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    process.env.KILN_YAML_CACHE = "0";
    try {
      assertSameTree(roundTrip(text, file), parseYamlConfig(text, { file }).node, file);
    } finally {
      delete process.env.KILN_YAML_CACHE;
    }
  }
});

test("awkward scalars, merge keys and aliases survive the round trip", () => {
  const text = [
    "a: .inf",
    "b: -.inf",
    "c: .nan",
    "d: -0",
    "e: !!float 1",
    "f: 1e-3",
    "g: ~",
    "h: [yes, off, 0x1f, 1_000, '$" + "{x}']",
    "base: &base {k: 1, l: [2, {m: 3}]}",
    "merged:",
    "  <<: *base",
    "  k: 4",
    "alias: *base",
  ].join("\n");
  assertSameTree(roundTrip(text, "/x/awkward.yaml"), parseYamlConfig(text, { file: "/x/awkward.yaml" }).node);
  assertSameTree(roundTrip(text, undefined), parseYamlConfig(text).node);
});

const cacheFile = join(ROOT, "dist", "yaml-cache.json");
test("the built cache answers for a shipped file's exact text only", {
  skip: existsSync(cacheFile) ? false : "dist/yaml-cache.json is made by `npm run build`",
}, () => {
  const file = join(ROOT, "configs", "train.yaml");
  const text = readFileSync(file, "utf8");
  const cached = prebuiltTree(text, file);
  assert.ok(cached, "configs/train.yaml is in the cache");
  process.env.KILN_YAML_CACHE = "0";
  try {
    assertSameTree(cached, parseYamlConfig(text, { file }).node);
  } finally {
    delete process.env.KILN_YAML_CACHE;
  }
  assert.equal(prebuiltTree(`${text}\n# edited\n`, file), undefined);
});
