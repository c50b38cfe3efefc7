// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolation strings are the test data.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import {
  clearResolver,
  clearResolverCache,
  type DictNode,
  fromPlain,
  getNode,
  hasResolver,
  isContainer,
  ListNode,
  parseYamlConfig,
  type ResolverContext,
  registerResolver,
  select,
  strftime,
  toContainer,
  ValidationError,
} from "../../../src/config/omegaconf/index.js";

const yaml = (text: string) => parseYamlConfig(text, { file: "r.yaml" }).node as DictNode;
const plain = (v: unknown) => (isContainer(v) ? toContainer(v, { resolve: true }) : v);

test("oc.env: value, default (stringified like Python str), null default", () => {
  process.env.KILN_TEST_ENV = "from env";
  delete process.env.KILN_TEST_UNSET;
  const cfg = yaml(
    "a: ${oc.env:KILN_TEST_ENV}\nb: ${oc.env:KILN_TEST_UNSET,fallback}\nc: ${oc.env:KILN_TEST_UNSET,null}\nd: ${oc.env:KILN_TEST_UNSET,5}\ne: ${oc.env:KILN_TEST_UNSET,1.0}\nf: ${oc.env:KILN_TEST_UNSET,'x y'}\ng: ${oc.env:KILN_TEST_UNSET,true}\nh: ${oc.env:KILN_TEST_UNSET,''}\n",
  );
  assert.equal(select(cfg, "a"), "from env");
  assert.equal(select(cfg, "b"), "fallback");
  assert.equal(select(cfg, "c"), null);
  assert.equal(select(cfg, "d"), "5");
  assert.equal(select(cfg, "e"), "1.0");
  assert.equal(select(cfg, "f"), "x y");
  assert.equal(select(cfg, "g"), "True");
  assert.equal(select(cfg, "h"), "");
});

test("oc.decode parses strings with the grammar (types, lists, dicts, interpolations)", () => {
  process.env.KILN_TEST_PORT = "8080";
  process.env.KILN_TEST_LIST = "[1, 2.5, null, true, x]";
  const cfg = fromPlain({
    port: "${oc.decode:${oc.env:KILN_TEST_PORT}}",
    list: "${oc.decode:${oc.env:KILN_TEST_LIST}}",
    d: "${oc.decode:'{a: 1, b: ${x}}'}",
    x: 3,
    n: "${oc.decode:null}",
    f: "${oc.decode:'1e-3'}",
    s: "${oc.decode:'\"quoted\"'}",
  }) as DictNode;
  assert.equal(select(cfg, "port"), 8080);
  assert.deepEqual(plain(select(cfg, "list")), [1, 2.5, null, true, "x"]);
  assert.deepEqual(plain(select(cfg, "d")), { a: 1, b: 3 });
  assert.equal(select(cfg, "n"), null);
  assert.ok(select(cfg, "f") instanceof PyFloat);
  assert.equal(select(cfg, "s"), "quoted");
  const bad = yaml("a: ${oc.decode:5}\n");
  assert.throws(() => select(bad, "a"), /`oc.decode` can only take strings or None as input/);
});

test("oc.select: absolute and relative keys, defaults", () => {
  const cfg = yaml(
    "a: 1\nm: ???\nsub:\n  b: 2\n  s1: ${oc.select:a}\n  s2: ${oc.select:.b}\n  s3: ${oc.select:zz,dflt}\n  s4: ${oc.select:m,7}\n  s5: ${oc.select:zz}\n  s6: ${oc.select:..a,0}\n",
  );
  assert.equal(select(cfg, "sub.s1"), 1);
  assert.equal(select(cfg, "sub.s2"), 2);
  assert.equal(select(cfg, "sub.s3"), "dflt");
  assert.equal(select(cfg, "sub.s4"), 7);
  assert.equal(select(cfg, "sub.s5"), null);
  assert.equal(select(cfg, "sub.s6"), 1);
});

test("oc.create builds a config node (relative interpolations inside work)", () => {
  const cfg = fromPlain({
    x: 5,
    c: "${oc.create:{a: 1, b: ${x}, q: '${x}', r: '\\${..x}'}}",
    y: "${oc.create:${l}}",
    l: [1, 2],
  }) as DictNode;
  // A quoted argument is always a string; an escaped interpolation stays one and resolves where the node sits.
  assert.deepEqual(plain(select(cfg, "c")), { a: 1, b: 5, q: "5", r: 5 });
  assert.equal(select(cfg, "c.b"), 5);
  assert.deepEqual(plain(select(cfg, "y")), [1, 2]);
});

test("oc.dict.keys / oc.dict.values", () => {
  const cfg = yaml(
    "workers:\n  alice: 1\n  bob: ${x}\nx: 2\nkeys: ${oc.dict.keys:workers}\nvalues: ${oc.dict.values:workers}\nsub:\n  rel: ${oc.dict.values:.inner}\n  inner: {p: 1, q: 2}\n",
  );
  assert.deepEqual(plain(select(cfg, "keys")), ["alice", "bob"]);
  assert.deepEqual(plain(select(cfg, "values")), [1, 2]);
  assert.deepEqual(plain(select(cfg, "sub.rel")), [1, 2]);
  assert.ok(select(cfg, "keys") instanceof ListNode);
  const bad = yaml("l: [1]\nk: ${oc.dict.keys:l}\nm: ${oc.dict.keys:nope}\n");
  assert.throws(() => select(bad, "k"), /cannot be applied to objects of type: ListConfig/);
  assert.throws(() => select(bad, "m"), /Key not found: 'nope'/);
});

test("oc.deprecated points to the new key and warns", async () => {
  const cfg = yaml("new:\n  key: 10\nold: ${oc.deprecated:new.key}\n");
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  assert.equal(select(cfg, "old"), 10);
  await new Promise((r) => setImmediate(r));
  process.off("warning", onWarning);
  assert.deepEqual(warnings, ["'old' is deprecated. Change your code and config to use 'new.key'"]);
});

test("now: strftime format, cached per process until clearResolverCache", async () => {
  const cfg = yaml("a: ${now:%Y-%m-%d_%H-%M-%S.%f}\nb: ${now:%Y-%m-%d_%H-%M-%S.%f}\n");
  const a = select(cfg, "a") as string;
  assert.match(a, /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.\d{6}$/);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(select(cfg, "b"), a);
  clearResolverCache("now");
  await new Promise((r) => setTimeout(r, 5));
  assert.notEqual(select(cfg, "b"), a);
});

test("strftime subset matches Python's datetime.strftime", () => {
  const d = new Date(2024, 0, 5, 15, 4, 9, 123);
  assert.equal(strftime("%Y-%m-%d %H:%M:%S.%f", d), "2024-01-05 15:04:09.123000");
  assert.equal(
    strftime("%y %b %B %a %A %j %p %I %% %Z%z %q", d),
    "24 Jan January Fri Friday 005 PM 03 %  %q",
  );
  assert.equal(strftime("%I %p", new Date(2024, 11, 31, 0, 0, 0)), "12 AM");
  assert.equal(strftime("%j", new Date(2024, 11, 31)), "366");
});

test("custom resolvers: plain arguments, `this` context, containers returned become nodes, caching, replace", () => {
  let calls = 0;
  registerResolver("kiln_test.add", (a: unknown, b: unknown) => {
    calls++;
    return (a as number) + (b as number);
  });
  registerResolver("kiln_test.where", function (this: ResolverContext) {
    return this.keyPath;
  });
  registerResolver("kiln_test.mk", () => ({ x: [1, 2], y: "${..z}" }));
  registerResolver("kiln_test.cached", () => ++calls, { useCache: true });
  const cfg = fromPlain({
    s: "${kiln_test.add:1,2}",
    f: "${kiln_test.add:0.5,1}",
    w: { here: "${kiln_test.where:}" },
    m: "${kiln_test.mk:}",
    z: 9,
    c1: "${kiln_test.cached:a}",
    c2: "${kiln_test.cached:a}",
    c3: "${kiln_test.cached:b}",
  }) as DictNode;
  assert.equal(select(cfg, "s"), 3);
  assert.equal(String(select(cfg, "f")), "1.5");
  assert.equal(select(cfg, "w.here"), "w.here");
  assert.deepEqual(plain(select(cfg, "m")), { x: [1, 2], y: 9 });
  const before = calls;
  assert.equal(select(cfg, "c1"), before + 1);
  assert.equal(select(cfg, "c2"), before + 1);
  assert.equal(select(cfg, "c3"), before + 2);
  assert.throws(() => registerResolver("kiln_test.add", () => 0), ValidationError);
  registerResolver("kiln_test.add", () => "replaced", { replace: true });
  assert.equal(select(cfg, "s"), "replaced");
  assert.ok(hasResolver("kiln_test.add"));
  assert.ok(clearResolver("kiln_test.add"));
  assert.ok(!hasResolver("kiln_test.add"));
  assert.throws(() => select(cfg, "s"), /Unsupported interpolation type kiln_test\.add/);
  for (const n of ["kiln_test.where", "kiln_test.mk", "kiln_test.cached"]) clearResolver(n);
});

test("a hydra-style resolver registered by the composer sees its argument as a string", () => {
  const runtime = fromPlain({ runtime: { output_dir: "/tmp/out" }, job: { name: "train" } }) as DictNode;
  registerResolver("hydra", (path: unknown) => select(runtime, path as string), { replace: true });
  const cfg = yaml("paths:\n  out: ${hydra:runtime.output_dir}/ckpt\n  name: ${hydra:job.name}\n");
  assert.equal(select(cfg, "paths.out"), "/tmp/out/ckpt");
  assert.equal(select(cfg, "paths.name"), "train");
  clearResolver("hydra");
});

test("resolver errors: a throwing resolver is wrapped with the key and file:line", () => {
  registerResolver("kiln_test.boom", () => {
    throw new RangeError("bad value");
  });
  const cfg = yaml("a:\n  b: ${kiln_test.boom:}\n");
  assert.throws(() => select(cfg, "a.b"), {
    message: "RangeError raised while resolving interpolation: bad value\n  full_key: a.b\n  at r.yaml:2:3",
  });
  clearResolver("kiln_test.boom");
  assert.equal(getNode(cfg, "a.b")?.keyPath(), "a.b");
});
