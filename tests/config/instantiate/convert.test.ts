// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolations are plain strings.
// Ports of hydra's interpolation and _convert_ tests: configs given as omegaconf views/nodes, interpolations
// resolved against the whole config after call-time overrides, and what nested configs become per _convert_.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { instantiate } from "../../../src/config/instantiate/index.js";
import {
  type DictConfig,
  fromPlain,
  nodeOfView,
  setStruct,
  toContainer,
  toView,
} from "../../../src/config/omegaconf/index.js";
import type { DictNode } from "../../../src/config/omegaconf/nodes.js";
import { type AClass, isView, plain, type SimpleClass } from "./helpers.js";

function cfgOf(value: Record<string, unknown>): DictConfig {
  return toView(fromPlain(value) as DictNode);
}

const A = (a: unknown, b: unknown, c: unknown, d: unknown = "default_value") => ({ AClass: { a, b, c, d } });

describe("test_interpolation_accessing_parent", () => {
  test("interpolation_into_parent", async () => {
    const cfg = cfgOf({
      node: { _target_: "tests.instantiate.AClass", a: "${value}", b: 20, c: 30, d: 40 },
      value: 99,
    });
    const before = toContainer(nodeOfView(cfg)!);
    assert.deepEqual(plain(await instantiate(cfg.node)), A(99, 20, 30, 40));
    assert.deepEqual(toContainer(nodeOfView(cfg)!), before, "the config is not modified");
  });
  test("interpolation_into_parent_partial", async () => {
    const cfg = cfgOf({
      node: { _target_: "tests.instantiate.AClass", _partial_: true, a: "${value}", b: 20 },
      value: 99,
    });
    assert.deepEqual(plain(await instantiate(cfg.node)), {
      partial: "tests.instantiate.AClass",
      args: [],
      keywords: { a: 99, b: 20 },
    });
  });
  test("interpolation_from_recursive", async () => {
    const cfg = cfgOf({
      A: { _target_: "tests.instantiate.add_values", a: 1, b: 2 },
      node: { _target_: "tests.instantiate.add_values", a: "${A}", b: 3 },
    });
    assert.equal(await instantiate(cfg.node), 6);
  });
  test("relative interpolation from a nested node", async () => {
    const cfg = cfgOf({
      model: { dim: 7, net: { _target_: "tests.instantiate.SimpleClass", a: "${..dim}", b: null } },
    });
    assert.equal((await instantiate<SimpleClass>(cfg.model.net)).a, 7);
  });
});

describe("class+override+interpolation", () => {
  for (const [kind, make] of [
    ["dict", (v: Record<string, unknown>) => v],
    ["dict_config", cfgOf],
  ] as const) {
    test(kind, async () => {
      const src = make({ _target_: "tests.instantiate.AClass", b: 200, c: "${b}" });
      assert.deepEqual(plain(await instantiate(src, { a: 10, b: 99, d: 40 })), A(10, 99, 99, 40));
      assert.deepEqual(plain(await instantiate(src, { a: 10, b: 99, _partial_: true })), {
        partial: "tests.instantiate.AClass",
        args: [],
        keywords: { a: 10, b: 99, c: 99 },
      });
    });
  }
});

test("test_class_instantiate_omegaconf_node: nested configs stay views, passthrough objects pass", async () => {
  for (const src of [
    { _target_: "tests.instantiate.AClass", b: 200, c: { x: 10, y: "${b}" } },
    cfgOf({ _target_: "tests.instantiate.AClass", b: 200, c: { x: 10, y: "${b}" } }),
  ]) {
    const another = new Date(0);
    const obj = await instantiate<AClass>(src, { a: 10, d: another });
    assert.ok(isView(obj.c));
    assert.deepEqual(plain(obj.c), { x: 10, y: 200 });
    assert.equal(obj.d, another, "a passthrough object arrives as the same instance");
  }
});

test("kwargs merge into a struct-mode config (Hydra unsets struct on its copy)", async () => {
  const root = fromPlain({ model: { _target_: "tests.instantiate.AClass", a: 1 } }) as DictNode;
  setStruct(root, true);
  const cfg = toView(root);
  assert.deepEqual(plain(await instantiate(cfg.model, { b: 2, c: 3 })), A(1, 2, 3));
});

describe("test_convert_params_override", () => {
  const modes: [string | undefined, boolean][] = [
    [undefined, false],
    ["none", false],
    ["partial", true],
    ["all", true],
    ["object", true],
    ["Partial", true],
  ];
  for (const [mode, primitive] of modes) {
    test(`${mode ?? "unspecified"}`, async () => {
      const cfg = cfgOf({
        value: 99,
        obj: {
          _target_: "tests.instantiate.AClass",
          a: { foo: "${value}" },
          b: { foo: "bar" },
          c: [1, "${value}"],
          d: [1, 2],
        },
      });
      const ret = await instantiate<AClass>(cfg.obj, mode === undefined ? {} : { _convert_: mode });
      assert.deepEqual(plain(ret), A({ foo: 99 }, { foo: "bar" }, [1, 99], [1, 2]));
      for (const key of ["a", "b", "c", "d"] as const) {
        assert.equal(isView(ret[key]), !primitive, `${key} is ${primitive ? "plain" : "a view"}`);
      }
      if (primitive) {
        assert.ok(Array.isArray(ret.c));
        assert.equal(Object.getPrototypeOf(ret.a), Object.prototype);
      }
    });
  }
});

describe("test_convert_params (nested _convert_ through kwargs)", () => {
  for (const mode of ["none", "partial", "all"]) {
    test(mode, async () => {
      const cfg = cfgOf({
        value: 99,
        obj: {
          _target_: "tests.instantiate.SimpleClass",
          a: { _target_: "tests.instantiate.SimpleClass", a: { foo: "${value}" }, b: [1, "${value}"] },
          b: null,
        },
      });
      const ret = await instantiate<SimpleClass>(cfg.obj, { a: { _convert_: mode } });
      const inner = ret.a as SimpleClass;
      assert.equal(isView(inner.a), mode === "none");
      assert.equal(isView(inner.b), mode === "none");
      assert.deepEqual(plain(inner), { SimpleClass: { a: { foo: 99 }, b: [1, 99] } });
    });
  }
});

test("test_convert_and_recursive_node", async () => {
  for (const nestedRecursive of [true, false]) {
    const obj = await instantiate<SimpleClass>({
      _target_: "tests.instantiate.SimpleClass",
      a: {
        _target_: "tests.instantiate.SimpleClass",
        _convert_: "all",
        _recursive_: nestedRecursive,
        a: {},
        b: [],
      },
      b: null,
    });
    const inner = obj.a as SimpleClass;
    assert.ok(!isView(inner.a) && !Array.isArray(inner.a) && typeof inner.a === "object");
    assert.ok(Array.isArray(inner.b) && !isView(inner.b));
  }
});

describe("test_instantiated_regular_class_container_types", () => {
  for (const [mode, views] of [
    ["none", true],
    ["all", false],
    ["partial", false],
  ] as const) {
    test(mode, async () => {
      const cfg2 = {
        _target_: "tests.instantiate.SimpleClass",
        a: { _target_: "tests.instantiate.SimpleClass", a: {}, b: [] },
        b: [{ _target_: "tests.instantiate.SimpleClass", a: {}, b: [] }],
      };
      const ret = await instantiate<SimpleClass>(cfg2, { _convert_: mode });
      const a = ret.a as SimpleClass;
      const b0 = (ret.b as SimpleClass[])[0];
      assert.equal(isView(a.a), views);
      assert.equal(isView(a.b), views);
      assert.equal(isView(b0.a), views);
      assert.equal(isView(b0.b), views);
      // A list holding instantiated objects cannot be a view: it is a plain array in every mode.
      assert.ok(Array.isArray(ret.b) && !isView(ret.b));
    });
  }
});

test("a top-level non-target config returns a view (none) or a plain object (all)", async () => {
  const src = { x: { _target_: "tests.instantiate.AClass", a: 1 }, y: { z: 1 } };
  const none = await instantiate<Record<string, unknown>>(src);
  assert.ok(!isView(none), "holds an instance, so it stays plain");
  assert.ok(isView(none.y));
  const all = await instantiate<Record<string, unknown>>(src, { _convert_: "all" });
  assert.ok(!isView(all.y));
  assert.deepEqual(plain(await instantiate({ y: { z: 1 } })), { y: { z: 1 } });
  assert.ok(isView(await instantiate({ y: { z: 1 } })));
});
