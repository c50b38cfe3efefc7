// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolation strings are the test data.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import { InterpolationToMissingValueError } from "../../../src/config/omegaconf/errors.js";
import {
  ConfigError,
  type DictNode,
  fromPlain,
  getNode,
  InterpolationKeyError,
  InterpolationResolutionError,
  MissingMandatoryValue,
  parseYamlConfig,
  registerResolver,
  resolve,
  resolveNode,
  select,
  toContainer,
  toYaml,
  UnsupportedInterpolationType,
  type ValueNode,
} from "../../../src/config/omegaconf/index.js";
import { derefNode } from "../../../src/config/omegaconf/resolve.js";
import { loadCases } from "./helpers.js";

const yaml = (text: string, file = "conf.yaml") => parseYamlConfig(text, { file }).node as DictNode;

test("a full interpolation keeps the target's type; string interpolation renders like Python str()", () => {
  const cfg = yaml(
    "i: 1\nf: 1.0\nb: true\nn: null\ns: hi\nd: {x: 1}\nl: [1, 2]\nfi: ${f}\nbi: ${b}\nni: ${n}\ndi: ${d}\nli: ${l}\nstr: '${f}|${b}|${n}|${i}|${d}|${l}|${s}'\n",
  );
  assert.ok(select(cfg, "fi") instanceof PyFloat);
  assert.equal(String(select(cfg, "fi")), "1.0");
  assert.equal(select(cfg, "bi"), true);
  assert.equal(select(cfg, "ni"), null);
  assert.deepEqual(toContainer(select(cfg, "di") as DictNode), { x: 1 });
  assert.equal(select(cfg, "str"), "1.0|True|None|1|{'x': 1}|[1, 2]|hi");
  assert.equal(
    toYaml(cfg, { resolve: true }),
    "i: 1\nf: 1.0\nb: true\n'n': null\ns: hi\nd:\n  x: 1\nl:\n- 1\n- 2\nfi: 1.0\nbi: true\nni: null\ndi:\n  x: 1\nli:\n- 1\n- 2\nstr: '1.0|True|None|1|{''x'': 1}|[1, 2]|hi'\n",
  );
});

test("relative interpolations: one dot is the containing node, each extra dot goes up one level", () => {
  const cfg = yaml(
    "a: 0\nx:\n  a: 1\n  y:\n    a: 2\n    s: ${.a}\n    p: ${..a}\n    g: ${...a}\n    abs: ${a}\n    list:\n    - ${..a}\n    - ${.a}\n",
  );
  assert.equal(select(cfg, "x.y.s"), 2);
  assert.equal(select(cfg, "x.y.p"), 1);
  assert.equal(select(cfg, "x.y.g"), 0);
  assert.equal(select(cfg, "x.y.abs"), 0);
  // Inside a list, `.` is the list itself, `..` the dict holding it.
  assert.equal(select(cfg, "x.y.list[0]"), 2);
  assert.throws(
    () => select(cfg, "x.y.list[1]"),
    /raised while resolving interpolation: Index 'a' \(str\) is not an int/,
  );
  const tooHigh = yaml("a: ${....x}\n");
  assert.throws(
    () => select(tooHigh, "a"),
    /ConfigKeyError while resolving interpolation: Error resolving key '\.\.\.\.x'/,
  );
});

test("list indices: ${a.0}, ${a[0]}, nested brackets, interpolated keys", () => {
  const cfg = yaml(
    "a: [10, [20, 30], {k: v}]\nk: k\ni: '1'\nn: 1\nr1: ${a.0}\nr2: ${a[1][1]}\nr3: ${a.2.${k}}\nr4: ${a[${i}].0}\nr5: ${a[${n}].0}\n",
  );
  assert.equal(select(cfg, "r1"), 10);
  assert.equal(select(cfg, "r2"), 30);
  assert.equal(select(cfg, "r3"), "v");
  assert.equal(select(cfg, "r4"), 20);
  // OmegaConf 2.3: a key built by an interpolation must be a string.
  assert.throws(() => select(cfg, "r5"), /should return a string, but instead returned `1`: \$\{n\}/);
});

test("escapes: \\${ is literal, \\\\${ is a backslash before an interpolation", () => {
  const cfg = yaml("x: 1\na: \\${x}\nb: \\\\${x}\nc: 'C:\\path\\${x}'\nd: 'no interp \\ here'\n");
  assert.equal(select(cfg, "a"), "${x}");
  assert.equal(select(cfg, "b"), "\\1");
  assert.equal(select(cfg, "c"), "C:\\path${x}");
  assert.equal(select(cfg, "d"), "no interp \\ here");
});

test("chained and nested interpolations", () => {
  const cfg = yaml(
    "a: ${b}\nb: ${c}\nc: 5\nname: c\nn: ${${name}}\nsel: ${oc.select:${name},7}\ndef: ${oc.select:nope,${c}}\n",
  );
  assert.equal(select(cfg, "a"), 5);
  assert.equal(select(cfg, "n"), 5);
  assert.equal(select(cfg, "sel"), 5);
  assert.equal(select(cfg, "def"), 5);
});

test("errors: missing key, named with the key path and the file:line of the interpolation", () => {
  const cfg = yaml("model:\n  lr: ${optim.lr}\n", "conf/config.yaml");
  assert.throws(
    () => select(cfg, "model.lr"),
    (e: unknown) => {
      assert.ok(e instanceof InterpolationKeyError);
      assert.equal(
        e.message,
        "Interpolation key 'optim.lr' not found\n  full_key: model.lr\n  at conf/config.yaml:2:3",
      );
      return true;
    },
  );
});

test("errors: a chain reports the innermost broken value", () => {
  const cfg = yaml("a: ${b}\nb: ${c.d}\nc: {}\n", "x.yaml");
  assert.throws(
    () => select(cfg, "a"),
    /^InterpolationKeyError: Interpolation key 'c\.d' not found\n {2}full_key: b\n {2}at x\.yaml:2/,
  );
});

test("errors: cycles, interpolation to a parent, unknown resolvers, failing resolvers", () => {
  const cycle = yaml("a: ${b}\nb: ${c}\nc: ${a}\n");
  assert.throws(
    () => select(cycle, "a"),
    (e: unknown) =>
      e instanceof InterpolationResolutionError && /Recursive interpolation detected/.test(e.message),
  );
  const self = yaml("a: ${a}\n");
  assert.throws(() => select(self, "a"), /Recursive interpolation detected/);
  const parent = yaml("a:\n  b: ${a}\n");
  assert.throws(() => select(parent, "a.b"), /Interpolation to parent node detected/);
  const unknown = yaml("a: ${nope:1}\n", "u.yaml");
  assert.throws(
    () => select(unknown, "a"),
    (e: unknown) =>
      e instanceof UnsupportedInterpolationType &&
      e.message === "Unsupported interpolation type nope\n  full_key: a\n  at u.yaml:1:1",
  );
  const env = yaml("a: ${oc.env:KILN_SURELY_UNSET_VAR}\n");
  assert.throws(() => select(env, "a"), /Environment variable 'KILN_SURELY_UNSET_VAR' not found/);
  const notContainer = yaml("a: 1\nb: ${a.c}\n");
  assert.throws(
    () => select(notContainer, "b"),
    /ConfigTypeError raised while resolving interpolation: Error trying to access a\.c: node `a` is not a container/,
  );
  const badKeyType = yaml("f: 1.5\nd: {}\nb: ${d.${f}}\n");
  assert.throws(() => select(badKeyType, "b"), /should return a string/);
});

test("??? values: reading one raises MissingMandatoryValue with the full key; interpolating one too", () => {
  const cfg = yaml("a:\n  b: ???\nc: ${a.b}\nd: x${a.b}\n", "m.yaml");
  assert.throws(
    () => resolveNode(getNode(cfg, "a.b") as ValueNode),
    (e: unknown) =>
      e instanceof MissingMandatoryValue &&
      e.message === "Missing mandatory value: a.b\n  full_key: a.b\n  at m.yaml:2:3",
  );
  assert.throws(
    () => select(cfg, "c"),
    (e: unknown) =>
      e instanceof InterpolationToMissingValueError &&
      e.message.startsWith(
        "MissingMandatoryValue while resolving interpolation: Missing mandatory value: a.b\n  full_key: c",
      ),
  );
  assert.throws(() => select(cfg, "d"), InterpolationToMissingValueError);
  assert.deepEqual(toContainer(cfg), { a: { b: "???" }, c: "${a.b}", d: "x${a.b}" });
  assert.throws(() => toContainer(cfg, { throwOnMissing: true }), /Missing mandatory value: a\.b/);
  assert.throws(() => toContainer(cfg, { resolve: true }), InterpolationToMissingValueError);
});

test("resolve() replaces interpolations in place (missing targets become ???)", () => {
  const cfg = yaml("a: 1\nb: ${a}\nd: {x: '${a}_y'}\ne: ${d}\nm: ???\nn: ${m}\n");
  resolve(cfg);
  assert.deepEqual(toContainer(cfg), { a: 1, b: 1, d: { x: "1_y" }, e: { x: "1_y" }, m: "???", n: "???" });
  assert.notEqual(getNode(cfg, "e"), getNode(cfg, "d"));
  assert.equal(getNode(cfg, "e.x")?.keyPath(), "e.x");
});

test("toContainer resolves relative interpolations of a container reached through an interpolation at the target", () => {
  const cfg = yaml("src:\n  v: 1\n  w: ${.v}\ndst: ${src}\n");
  assert.deepEqual(toContainer(cfg, { resolve: true }), { src: { v: 1, w: 1 }, dst: { v: 1, w: 1 } });
});

test("interpolation errors are ConfigErrors with keyPath and provenance fields", () => {
  const cfg = fromPlain({ a: "${zz}" }, { override: "a=${zz}" }) as DictNode;
  try {
    select(cfg, "a");
    assert.fail("expected an error");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.keyPath, "a");
    assert.deepEqual(e.provenance, [{ override: "a=${zz}" }]);
    assert.match(e.message, /\n {2}from override 'a=\$\{zz\}'$/);
  }
});

interface InterpCase {
  id: string;
  cfg: unknown;
  key: string;
  expected?: unknown;
  error?: string;
  match?: string;
  container?: unknown;
  notInterpolation?: boolean;
}

registerResolver("kiln_case.id", (x: unknown) => x, { replace: true });
for (const c of loadCases<InterpCase[]>("interpolation.json")) {
  test(`interpolation case (ported from OmegaConf's tests): ${c.id}`, () => {
    const cfg = fromPlain(c.cfg) as DictNode;
    if (c.error !== undefined) {
      assert.throws(
        () => select(cfg, c.key),
        (e: unknown) => {
          const names: string[] = [];
          for (let p = Object.getPrototypeOf(e); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
            names.push(p.constructor.name);
          }
          assert.ok(names.includes(c.error as string), `${(e as Error).name}: ${(e as Error).message}`);
          if (c.match) assert.ok((e as Error).message.includes(c.match), (e as Error).message);
          return true;
        },
      );
      return;
    }
    assert.deepEqual(select(cfg, c.key), c.expected);
    if (c.container !== undefined) assert.deepEqual(toContainer(cfg, { resolve: true }), c.container);
    if (c.notInterpolation) {
      const result = derefNode(getNode(cfg, c.key) as ValueNode, new Set()) as ValueNode;
      assert.equal(result.isInterpolation(), false);
      assert.equal(resolveNode(result), c.expected);
    }
  });
}
