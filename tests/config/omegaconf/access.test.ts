// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolation strings are the test data.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import {
  ConfigError,
  ConfigKeyError,
  type ContainerNode,
  DictNode,
  deleteKey,
  fromPlain,
  getNode,
  isContainer,
  parseYamlConfig,
  provenanceOf,
  ReadonlyConfigError,
  select,
  setReadonly,
  setStruct,
  toContainer,
  update,
  type ValueNode,
} from "../../../src/config/omegaconf/index.js";
import { splitKey } from "../../../src/config/omegaconf/key-path.js";
import { QuotedString } from "../../../src/config/overrides/types.js";
import { loadCases } from "./helpers.js";

function errorNames(e: unknown): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(e); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    names.push(p.constructor.name);
  }
  return names;
}

interface SelectCase {
  cfg: unknown;
  key: string;
  expected?: unknown;
  error?: string;
  default?: unknown;
  throwOnMissing?: boolean;
  throwOnResolutionFailure?: boolean;
}

for (const c of loadCases<SelectCase[]>("select.json")) {
  const opts = [
    "default" in c ? `default=${c.default}` : "",
    c.throwOnMissing ? "throwOnMissing" : "",
    c.throwOnResolutionFailure === false ? "!throwOnResolutionFailure" : "",
  ].join(" ");
  test(`select ${JSON.stringify(c.cfg)} '${c.key}' ${opts}`, () => {
    const root = fromPlain(c.cfg);
    const options: Record<string, unknown> = {};
    if ("default" in c) options.default = c.default;
    if (c.throwOnMissing) options.throwOnMissing = true;
    if (c.throwOnResolutionFailure === false) options.throwOnResolutionFailure = false;
    if (c.error) {
      assert.throws(
        () => select(root, c.key, options),
        (e: unknown) => errorNames(e).includes(c.error as string),
      );
      return;
    }
    const got = select(root, c.key, options);
    const plain = isContainer(got) ? toContainer(got) : got;
    assert.deepEqual(plain ?? null, c.expected);
  });
}

interface UpdateCase {
  cfg: unknown;
  key: string;
  value: unknown;
  expected?: unknown;
  error?: string;
  merge?: boolean;
  struct?: boolean;
  forceAdd?: boolean;
}

for (const c of loadCases<UpdateCase[]>("update.json")) {
  test(`update ${JSON.stringify(c.cfg)} '${c.key}'=${JSON.stringify(c.value)}${c.struct ? " struct" : ""}${c.forceAdd ? " forceAdd" : ""}${c.merge === false ? " set" : ""}`, () => {
    const root = fromPlain(c.cfg) as ContainerNode;
    if (c.struct) setStruct(root, true);
    const run = () => update(root, c.key, c.value, { merge: c.merge ?? true, forceAdd: c.forceAdd ?? false });
    if (c.error) {
      const before = JSON.stringify(toContainer(root));
      assert.throws(run, (e: unknown) => errorNames(e).includes(c.error as string));
      if (c.error === "ConfigKeyError" && !c.struct) assert.equal(JSON.stringify(toContainer(root)), before);
      return;
    }
    run();
    assert.deepEqual(toContainer(root), c.expected);
  });
}

test("splitKey follows OmegaConf's split_key", () => {
  assert.deepEqual(splitKey("a.b"), ["a", "b"]);
  assert.deepEqual(splitKey("a[b]"), ["a", "b"]);
  assert.deepEqual(splitKey(".a.b[c].d"), ["", "a", "b", "c", "d"]);
  assert.deepEqual(splitKey("[a].b"), ["a", "b"]);
  assert.deepEqual(splitKey("..[a]"), ["", "", "a"]);
  assert.deepEqual(splitKey("a.b[0][1].c"), ["a", "b", "0", "1", "c"]);
  assert.deepEqual(splitKey(""), [""]);
});

test("struct mode: overriding an unknown key suggests +key=value (Hydra's wording)", () => {
  const root = fromPlain({ trainer: { max_epochs: 10 } }) as DictNode;
  setStruct(root, true);
  assert.throws(
    () => update(root, "trainer.max_epoch", 5, { provenance: { override: "trainer.max_epoch=5" } }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigKeyError);
      assert.equal(e.keyPath, "trainer.max_epoch");
      assert.equal(
        e.message,
        "Could not override 'trainer.max_epoch'.\nTo append to your config use +trainer.max_epoch=5\nKey 'max_epoch' is not in struct\n  full_key: trainer.max_epoch\n  from override 'trainer.max_epoch=5'",
      );
      return true;
    },
  );
  update(root, "trainer.max_epoch", 5, { forceAdd: true, provenance: { override: "+trainer.max_epoch=5" } });
  assert.equal(select(root, "trainer.max_epoch"), 5);
  assert.deepEqual(provenanceOf(root, "trainer.max_epoch"), [{ override: "+trainer.max_epoch=5" }]);
});

test("update records provenance and keeps the earlier chain", () => {
  const { node } = parseYamlConfig("a:\n  b: 1\n", { file: "config.yaml" });
  update(node, "a.b", new PyFloat(2), { provenance: { override: "a.b=2.0" } });
  assert.equal(String(select(node, "a.b")), "2.0");
  assert.deepEqual(provenanceOf(node, "a.b"), [
    { file: "config.yaml", line: 2, col: 3 },
    { override: "a.b=2.0" },
  ]);
  update(node, "a", { c: 3 }, { provenance: { override: "a={c:3}" } });
  assert.deepEqual(provenanceOf(node, "a.c"), [{ override: "a={c:3}" }]);
  assert.deepEqual(provenanceOf(node, "nope"), []);
});

test("update accepts an override parser's QuotedString as its text", () => {
  const root = new DictNode();
  update(root, "a", new QuotedString("${x}", "'"));
  update(root, "x", new QuotedString("1", '"'));
  assert.equal(select(root, "a"), "1");
  update(root, "l", [new QuotedString("a,b", "'")]);
  assert.deepEqual(toContainer(root), { a: "${x}", x: "1", l: ["a,b"] });
});

test("deleteKey removes dict keys and list items, ignoring struct mode", () => {
  const root = fromPlain({ a: { b: 1, c: 2 }, l: [1, 2, 3] }) as DictNode;
  setStruct(root, true);
  deleteKey(root, "a.b");
  deleteKey(root, "l[0]");
  assert.deepEqual(toContainer(root), { a: { c: 2 }, l: [2, 3] });
  assert.equal(getNode(root, "l.1")?.keyPath(), "l[1]");
  assert.throws(() => deleteKey(root, "a.zz"), /Key 'a\.zz' not found/);
  assert.throws(() => deleteKey(root, "q.zz"), ConfigKeyError);
  setReadonly(root, true);
  assert.throws(() => deleteKey(root, "a.c"), ReadonlyConfigError);
});

test("flags are inherited and can be overridden below", () => {
  const root = fromPlain({ a: { b: { c: 1 } } }) as DictNode;
  setStruct(root, true);
  const b = getNode(root, "a.b") as DictNode;
  assert.equal(b.getFlag("struct"), true);
  setStruct(b, false);
  update(root, "a.b.new", 1);
  assert.throws(() => update(root, "a.new", 1), /Key 'new' is not in struct/);
  setStruct(b, undefined);
  assert.throws(() => update(root, "a.b.new2", 1), ConfigKeyError);
  setReadonly(getNode(root, "a") as DictNode, true);
  assert.throws(
    () => update(root, "a.b.c", 2),
    (e: unknown) => e instanceof ReadonlyConfigError && e.keyPath === "a.b.c",
  );
});

test("getNode does not resolve the node itself but follows interpolations on the way", () => {
  const root = fromPlain({ a: "${b}", b: { c: "${d}" }, d: 1 }) as DictNode;
  assert.equal((getNode(root, "a") as ValueNode).value, "${b}");
  assert.equal((getNode(root, "a.c") as ValueNode).value, "${d}");
  assert.equal(select(root, "a.c"), 1);
});

test("ConfigError base class carries keyPath and provenance", () => {
  const root = fromPlain({ m: "???" }, { file: "conf.yaml", line: 4 }) as DictNode;
  assert.throws(
    () => select(root, "m", { throwOnMissing: true }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.keyPath, "m");
      assert.deepEqual(e.provenance, [{ file: "conf.yaml", line: 4 }]);
      assert.equal(e.message, "Missing mandatory value: m\n  full_key: m\n  at conf.yaml:4");
      return true;
    },
  );
});

test("key paths use OmegaConf's full-key form", () => {
  const root = fromPlain({ a: { b: [{ c: 1 }, [2, { d: 3 }]] } });
  assert.equal(getNode(root, "a.b[0].c")?.keyPath(), "a.b[0].c");
  assert.equal(getNode(root, "a.b.1.1.d")?.keyPath(), "a.b[1][1].d");
  const list = fromPlain([{ a: 1 }, [2]]);
  assert.equal(getNode(list, "[0].a")?.keyPath(), "[0].a");
  assert.equal(getNode(list, "1.0")?.keyPath(), "[1][0]");
  assert.equal(root.keyPath(), "");
});

test("formatProvenance renders file:line:col, overrides and notes", async () => {
  const { formatProvenance } = await import("../../../src/config/omegaconf/index.js");
  assert.equal(formatProvenance({ file: "conf/config.yaml", line: 3, col: 5 }), "conf/config.yaml:3:5");
  assert.equal(formatProvenance({ file: "conf/config.yaml" }), "conf/config.yaml");
  assert.equal(formatProvenance({ override: "trainer.max_epochs=5" }), "override 'trainer.max_epochs=5'");
  assert.equal(formatProvenance({ note: "hydra defaults" }), "hydra defaults");
});
