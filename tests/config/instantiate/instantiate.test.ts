// Ports of hydra's tests/instantiate/test_instantiate.py and test_positional.py (Hydra 1.3) to Kiln's calling
// convention: keyword arguments arrive as one options object; `plain()` snapshots results for comparison.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { instantiate, instantiateSync, isPartialTarget } from "../../../src/config/instantiate/index.js";
import { AClass, type ArgsClass, BClass, plain, Tree } from "./helpers.js";

type Case = { id: string; src: unknown; passthrough?: Record<string, unknown>; expected: unknown };

const A = (a: unknown, b: unknown, c: unknown, d: unknown = "default_value") => ({ AClass: { a, b, c, d } });
const B = (a: unknown, b: unknown = "b", c: unknown = "c", d: unknown = "d") => ({ BClass: { a, b, c, d } });
const partialOf = (target: string, keywords: Record<string, unknown>, args: unknown[] = []) => ({
  partial: target,
  args,
  keywords,
});
const T = (value: unknown, left: unknown = null, right: unknown = null) => ({ Tree: { value, left, right } });

const classCases: Case[] = [
  {
    id: "class",
    src: { _target_: "tests.instantiate.AClass", a: 10, b: 20, c: 30, d: 40 },
    expected: A(10, 20, 30, 40),
  },
  {
    id: "class+partial",
    src: { _target_: "tests.instantiate.AClass", _partial_: true, a: 10, b: 20, c: 30 },
    expected: partialOf("tests.instantiate.AClass", { a: 10, b: 20, c: 30 }),
  },
  {
    id: "list_of_partial_class",
    src: [
      { _target_: "tests.instantiate.AClass", _partial_: true, a: 10, b: 20, c: 30 },
      { _target_: "tests.instantiate.BClass", a: 50, b: 60, c: 70 },
    ],
    expected: [partialOf("tests.instantiate.AClass", { a: 10, b: 20, c: 30 }), B(50, 60, 70)],
  },
  {
    id: "class+override",
    src: { _target_: "tests.instantiate.AClass", b: 20, c: 30 },
    passthrough: { a: 10, d: 40 },
    expected: A(10, 20, 30, 40),
  },
  {
    id: "class+override+partial1",
    src: { _target_: "tests.instantiate.AClass", b: 20, c: 30 },
    passthrough: { a: 10, _partial_: true },
    expected: partialOf("tests.instantiate.AClass", { b: 20, c: 30, a: 10 }),
  },
  {
    id: "class+override+partial2",
    src: { _target_: "tests.instantiate.AClass", _partial_: true, c: 30 },
    passthrough: { a: 10, d: 40 },
    expected: partialOf("tests.instantiate.AClass", { c: 30, a: 10, d: 40 }),
  },
  {
    id: "instantiate_respects_default_value",
    src: { _target_: "tests.instantiate.AClass" },
    passthrough: { a: 10, b: 20, c: 30 },
    expected: A(10, 20, 30),
  },
  {
    id: "call_function_in_module+partial",
    src: { _target_: "tests.instantiate.module_function", _partial_: true },
    expected: partialOf("tests.instantiate.module_function", {}),
  },
  {
    id: "call_function_in_module",
    src: { _target_: "tests.instantiate.module_function", x: 43 },
    expected: 43,
  },
  {
    id: "oc_incompatible_passthrough",
    src: { _target_: "tests.instantiate.AClass" },
    passthrough: { a: 10, b: 20, c: 30, d: { x: new Tree({ value: 1 }) } },
    expected: A(10, 20, 30, { x: T(1) }),
  },
  {
    id: "passthrough:list+partial",
    src: { _target_: "tests.instantiate.AClass", _partial_: true },
    passthrough: { a: 10, b: 20, d: { x: [10, new Tree({ value: 2 })] } },
    expected: partialOf("tests.instantiate.AClass", { a: 10, b: 20, d: { x: [10, T(2)] } }),
  },
  { id: "list_as_toplevel0", src: [], expected: [] },
  {
    id: "list_as_toplevel2",
    src: [
      { _target_: "tests.instantiate.AClass", a: 10, b: 20, c: 30, d: 40 },
      { _target_: "tests.instantiate.BClass", a: 50, b: 60, c: 70, d: 80 },
    ],
    expected: [A(10, 20, 30, 40), B(50, 60, 70, 80)],
  },
];

describe("test_class_instantiate", () => {
  for (const recursive of [false, true]) {
    for (const c of classCases) {
      test(`${c.id} (${recursive ? "recursive" : "not_recursive"})`, async () => {
        const before = structuredClone(c.src);
        const obj = await instantiate(c.src, { ...c.passthrough, _recursive_: recursive });
        assert.deepEqual(plain(obj), c.expected);
        assert.deepEqual(c.src, before, "the config is not modified");
      });
    }
  }
});

test("partial factories merge later options over bound ones (functools.partial)", async () => {
  const factory = await instantiate<(opts?: object) => AClass>({
    _target_: "tests.instantiate.AClass",
    _partial_: true,
    a: 1,
    b: 2,
  });
  assert.ok(isPartialTarget(factory));
  assert.deepEqual(plain(factory({ b: 20, c: 30 })), A(1, 20, 30));
  assert.deepEqual(plain(factory({ c: 3 })), A(1, 2, 3), "each call starts from the bound options");
});

test("partial with a positional parameter: factory(params) and factory({ params }) both work", async () => {
  const make = await instantiate<(...args: unknown[]) => { params: unknown; lr: number }>({
    _target_: "tests.instantiate.Adam",
    _partial_: true,
    lr: 0.5,
  });
  assert.deepEqual(make([1, 2]).params, [1, 2]);
  assert.equal(make({ params: [3] }).lr, 0.5);
  assert.deepEqual(make({ params: [3] }).params, [3]);
  assert.equal(make([1], { lr: 0.1 }).lr, 0.1);
});

test("partial leaves out mandatory ??? values for the caller to supply", async () => {
  const make = await instantiate<(o: object) => AClass>({
    _target_: "tests.instantiate.AClass",
    _partial_: true,
    a: "???",
    b: 2,
  });
  assert.deepEqual(plain(make({ a: 1 })), A(1, 2, undefined));
});

test("test_pass_extra_variables", async () => {
  const cfg = { _target_: "tests.instantiate.AClass", a: 10, b: 20 };
  assert.deepEqual(plain(await instantiate(cfg, { c: 30 })), A(10, 20, 30));
  assert.deepEqual(
    plain(await instantiate({ ...cfg, _partial_: true }, { c: 30 })),
    partialOf("tests.instantiate.AClass", { a: 10, b: 20, c: 30 }),
  );
});

test("a class or function value as _target_ (test_instantiate_from_class_in_dict, type overrides)", async () => {
  assert.deepEqual(plain(await instantiate({ _target_: BClass, a: 1 })), B(1));
  const cfg = {
    _target_: "tests.instantiate.AClass",
    a: 10,
    b: 20,
    c: { _target_: "tests.instantiate.AClass", a: "aa", b: "bb", c: "cc" },
  };
  assert.deepEqual(
    plain(await instantiate(cfg, { _target_: BClass, c: { _target_: BClass } })),
    B(10, 20, B("aa", "bb", "cc")),
  );
  assert.deepEqual(
    plain(
      await instantiate(cfg, {
        _target_: "tests.instantiate.BClass",
        c: { _target_: "tests.instantiate.BClass" },
      }),
    ),
    B(10, 20, B("aa", "bb", "cc")),
  );
});

describe("test_recursive_instantiation", () => {
  const cases: Case[] = [
    {
      id: "recursive:direct:dict",
      src: {
        _target_: "tests.instantiate.Tree",
        value: 1,
        left: { _target_: "tests.instantiate.Tree", value: 21 },
        right: { _target_: "tests.instantiate.Tree", value: 22 },
      },
      expected: T(1, T(21), T(22)),
    },
    {
      id: "recursive:direct:dict:passthrough",
      src: { _target_: "tests.instantiate.Tree" },
      passthrough: {
        value: 1,
        left: { _target_: "tests.instantiate.Tree", value: 2 },
        right: { _target_: "tests.instantiate.Tree", value: 3 },
      },
      expected: T(1, T(2), T(3)),
    },
    {
      id: "recursive:direct:dict:passthrough:incompatible_value",
      src: { _target_: "tests.instantiate.Tree" },
      passthrough: { value: 1, left: { _target_: "tests.instantiate.Tree", value: new BClass({ a: 7 }) } },
      expected: T(1, T(B(7))),
    },
    {
      id: "recursive:list:dict",
      src: {
        _target_: "tests.instantiate.Compose",
        transforms: [
          { _target_: "tests.instantiate.CenterCrop", size: 10 },
          { _target_: "tests.instantiate.Rotation", degrees: 45 },
        ],
      },
      expected: { Compose: { transforms: [{ CenterCrop: { size: 10 } }, { Rotation: { degrees: 45 } }] } },
    },
    {
      id: "recursive:map:dict:passthrough",
      src: {
        _target_: "tests.instantiate.Mapping",
        dictionary: { a: { _target_: "tests.instantiate.Mapping" } },
      },
      passthrough: { dictionary: { b: { _target_: "tests.instantiate.Mapping" } } },
      expected: {
        Mapping: {
          dictionary: { a: { Mapping: { dictionary: null } }, b: { Mapping: { dictionary: null } } },
        },
      },
    },
    {
      id: "partial:nested",
      src: {
        _target_: "tests.instantiate.Compose",
        transforms: [
          { _target_: "tests.instantiate.CenterCrop", _partial_: true },
          { _target_: "tests.instantiate.Rotation", degrees: 45 },
        ],
      },
      expected: {
        Compose: {
          transforms: [partialOf("tests.instantiate.CenterCrop", {}), { Rotation: { degrees: 45 } }],
        },
      },
    },
    {
      id: "partial:outer-only",
      src: {
        _target_: "tests.instantiate.Tree",
        _partial_: true,
        left: { _target_: "tests.instantiate.Tree", value: 21 },
      },
      expected: partialOf("tests.instantiate.Tree", { left: T(21) }),
    },
  ];
  for (const c of cases) {
    test(c.id, async () => {
      assert.deepEqual(plain(await instantiate(c.src, c.passthrough)), c.expected);
    });
  }
});

describe("test_recursive_override", () => {
  const leftCfg = { _target_: "tests.instantiate.Tree", value: 21 };
  const cases: [string, Record<string, unknown>, Record<string, unknown>, unknown][] = [
    ["default", {}, {}, T(1, T(21))],
    ["cfg:true,override:true", { _recursive_: true }, { _recursive_: true }, T(1, T(21))],
    ["cfg:true,override:false", { _recursive_: true }, { _recursive_: false }, T(1, leftCfg)],
    ["cfg:false,override:true", { _recursive_: false }, { _recursive_: true }, T(1, T(21))],
    ["cfg:false,override:false", { _recursive_: false }, { _recursive_: false }, T(1, leftCfg)],
  ];
  for (const [id, cfgFlag, override, expected] of cases) {
    test(id, async () => {
      const cfg = { _target_: "tests.instantiate.Tree", ...cfgFlag, value: 1, left: leftCfg };
      assert.deepEqual(plain(await instantiate(cfg, override)), expected);
    });
  }
  test("3_levels:cfg2=false", async () => {
    const cfg = {
      _target_: "tests.instantiate.Tree",
      value: 1,
      left: {
        _target_: "tests.instantiate.Tree",
        _recursive_: false,
        value: 2,
        left: { _target_: "tests.instantiate.Tree", value: 3 },
      },
    };
    assert.deepEqual(
      plain(await instantiate(cfg)),
      T(1, T(2, { _target_: "tests.instantiate.Tree", value: 3 })),
    );
  });
});

describe("test_positional (_args_)", () => {
  const cases: [
    string,
    Record<string, unknown>,
    Record<string, unknown>,
    unknown[],
    Record<string, unknown>,
  ][] = [
    ["config:no_params", { _target_: "tests.instantiate.ArgsClass" }, {}, [], {}],
    ["config:args_only", { _target_: "tests.instantiate.ArgsClass", _args_: [1] }, {}, [1], {}],
    [
      "config:args+kwargs",
      { _target_: "tests.instantiate.ArgsClass", _args_: [1], foo: 10 },
      {},
      [1],
      { foo: 10 },
    ],
    ["indirect_args", { _target_: "tests.instantiate.ArgsClass", _args_: [1] }, { _args_: [2] }, [2], {}],
    [
      "kwargs+indirect_args",
      { _target_: "tests.instantiate.ArgsClass", _args_: [1] },
      { foo: 10, _args_: [2] },
      [2],
      { foo: 10 },
    ],
  ];
  for (const [id, cfg, override, args, kwargs] of cases) {
    test(id, async () => {
      const obj = await instantiate<ArgsClass>(cfg, override);
      assert.deepEqual(obj.args, args);
      assert.deepEqual(obj.kwargs, kwargs);
    });
  }
  test("recursive: nested _args_ overridden through kwargs", async () => {
    const cfg = {
      _target_: "tests.instantiate.ArgsClass",
      _args_: [1],
      child: { _target_: "tests.instantiate.ArgsClass", _args_: [2] },
    };
    const obj = await instantiate<ArgsClass>(cfg, { foo: 10, _args_: [3], child: { _args_: [4] } });
    assert.deepEqual(obj.args, [3]);
    assert.equal(obj.kwargs.foo, 10);
    assert.deepEqual((obj.kwargs.child as ArgsClass).args, [4]);
  });
  test("_args_ items that are targets are instantiated", async () => {
    const obj = await instantiate<ArgsClass>({
      _target_: "tests.instantiate.ArgsClass",
      _args_: [{ _target_: "tests.instantiate.BClass", a: 1 }],
    });
    assert.ok(obj.args[0] instanceof BClass);
  });
  test("positional names: _args_ fill slots, keys fill slots by name", async () => {
    assert.deepEqual(await instantiate({ _target_: "tests.instantiate.pair", _args_: [1, 2] }), [1, 2]);
    assert.deepEqual(await instantiate({ _target_: "tests.instantiate.pair", _args_: [1], b: 2 }), [1, 2]);
    assert.deepEqual(await instantiate({ _target_: "tests.instantiate.pair", b: 2, a: 1 }), [1, 2]);
    const adam = await instantiate<{ params: unknown; lr: number }>(
      { _target_: "tests.instantiate.Adam", lr: 0.1 },
      { params: "p" },
    );
    assert.equal(adam.params, "p");
    assert.equal(adam.lr, 0.1);
  });
});

test("instantiateSync gives the same results for registered targets", () => {
  const obj = instantiateSync<Tree>({
    _target_: "tests.instantiate.Tree",
    value: 1,
    left: { _target_: "tests.instantiate.Tree", value: 2 },
  });
  assert.deepEqual(plain(obj), T(1, T(2)));
  assert.equal(instantiateSync(null), null);
});

test("test_none_cases", async () => {
  assert.equal(await instantiate(null), null);
  assert.equal(await instantiate(undefined), null);
  const ret = await instantiate<ArgsClass>({
    _target_: "tests.instantiate.ArgsClass",
    none: null,
    list: [10, null],
  });
  assert.equal(ret.kwargs.none, null);
  assert.deepEqual(plain(ret.kwargs.list), [10, null]);
});

test("a nested target's instance reaches its parent unchanged (AClass inside AClass)", async () => {
  const obj = await instantiate<AClass>({
    _target_: "tests.instantiate.AClass",
    a: { _target_: "tests.instantiate.AClass", a: 1, b: 2, c: 3 },
    b: 2,
    c: 3,
  });
  assert.ok(obj.a instanceof AClass);
});
