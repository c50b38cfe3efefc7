import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import {
  expandSweep,
  filterGlob,
  Glob,
  jobOverrides,
  parseOverride,
  parseOverrides,
  RangeSweep,
  rangeValues,
} from "../../../src/config/overrides/index.js";

// Hydra's test_float_range
const FLOAT_RANGES: Array<[number, number, number, number[]]> = [
  [0, 0, 1, []],
  [0, 0, -1, []],
  [10, 0, 1, []],
  [0, 10, -1, []],
  [0, 2, 1, [0, 1]],
  [0, 2, 0.5, [0, 0.5, 1, 1.5]],
  [2, 0, -1, [2, 1]],
  [10, 5, -2, [10, 8, 6]],
];

test("float ranges step like Hydra's FloatRange", () => {
  for (const [start, stop, step, expected] of FLOAT_RANGES) {
    const values = rangeValues(new RangeSweep(new PyFloat(start), new PyFloat(stop), new PyFloat(step)));
    assert.deepEqual(
      values.map((v) => Number(v)),
      expected,
    );
    assert.ok(values.every((v) => v instanceof PyFloat));
  }
});

test("int ranges follow Python's range", () => {
  assert.deepEqual(rangeValues(new RangeSweep(0, 5)), [0, 1, 2, 3, 4]);
  assert.deepEqual(rangeValues(new RangeSweep(5, 0, -2)), [5, 3, 1]);
  assert.deepEqual(rangeValues(new RangeSweep(0, -3)), []);
});

// Hydra's test_glob_filter
const WORDS = ["the", "quick", "brown", "fox", "jumped", "under", "the", "lazy", "dog"];
test("glob filters names with fnmatch patterns", () => {
  assert.deepEqual(filterGlob(new Glob(["*"]), WORDS), WORDS);
  assert.deepEqual(filterGlob(new Glob(["*"], ["quick", "under"]), WORDS), [
    "the",
    "brown",
    "fox",
    "jumped",
    "the",
    "lazy",
    "dog",
  ]);
  assert.deepEqual(filterGlob(new Glob(["*"], ["*d*"]), WORDS), [
    "the",
    "quick",
    "brown",
    "fox",
    "the",
    "lazy",
  ]);
  assert.deepEqual(filterGlob(new Glob(["t*"]), WORDS), ["the", "the"]);
  assert.deepEqual(filterGlob(new Glob(["[bd]*", "?ox"]), WORDS), ["brown", "fox", "dog"]);
  assert.deepEqual(filterGlob(new Glob(["[!bd]*"], ["t*", "q*", "u*", "j*", "f*"]), WORDS), ["lazy"]);
  assert.deepEqual(filterGlob(new Glob(["a.b"]), ["a.b", "axb"]), ["a.b"]);
});

test("shuffle uses the given random source and keeps every value", () => {
  const o = parseOverride("x=shuffle(range(0,20))");
  const a = expandSweep(o, { rng: () => 0.3 });
  const b = expandSweep(o, { rng: () => 0.3 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, [...Array(20).keys()]);
  assert.deepEqual(
    [...a].sort((x, y) => Number(x) - Number(y)),
    [...Array(20).keys()],
  );
});

// Hydra's test_parse_overrides
test("parseOverrides parses a command line in order", () => {
  const [x, y, z1, z2] = parseOverrides(["x=10", "y=[1,2]", "z=a,b,c", "z=choice(a,b,c)"]);
  assert.deepEqual([x.keyOrGroup, x.value, x.valueType], ["x", 10, "element"]);
  assert.deepEqual([y.value, y.valueType], [[1, 2], "element"]);
  assert.equal(z1.valueType, "simple_choice_sweep");
  assert.equal(z2.valueType, "choice_sweep");
  assert.throws(() => parseOverrides(["a=1", "b=[", "c=2"]), /Error parsing override 'b=\['/);
});

test("jobOverrides rebuilds the key=value strings of each job like Hydra's basic sweeper", () => {
  assert.deepEqual(jobOverrides(parseOverride("+db@backup=mysql,postgres")), [
    "+db@backup=mysql",
    "+db@backup=postgres",
  ]);
  assert.deepEqual(jobOverrides(parseOverride("lr=range(0.1,0.3,0.1)")), ["lr=0.1", "lr=0.2"]);
  assert.deepEqual(jobOverrides(parseOverride("x='a b'")), ["x='a b'"]);
  // Deletes as Hydra writes them into each job's overrides: the value element, `null` when none was given.
  assert.deepEqual(jobOverrides(parseOverride("~db")), ["~db=null"]);
  assert.deepEqual(jobOverrides(parseOverride("~trainer.max_epochs=10")), ["~trainer.max_epochs=10"]);
  assert.deepEqual(jobOverrides(parseOverride("~db@backup=mysql")), ["~db@backup=mysql"]);
  assert.deepEqual(
    jobOverrides(parseOverride("model=glob(m*)"), { globCandidates: ["mlp", "cnn", "mnist"] }),
    ["model=mlp", "model=mnist"],
  );
  assert.throws(
    () => jobOverrides(parseOverride("lr=interval(0,1)")),
    /^OverrideSweepError: BasicSweeper does not support sweep type : INTERVAL_SWEEP \('lr=interval\(0,1\)'\)$/,
  );
});

test("Override helpers answer like Hydra's", () => {
  const o = parseOverride("++hydra/launcher@hydra.launcher=basic");
  assert.equal(o.isForceAdd(), true);
  assert.equal(o.isHydraOverride(), true);
  assert.equal(o.keyElement, "++hydra/launcher@hydra.launcher");
  assert.equal(o.valueString(), "basic");
  const d = parseOverride("~db");
  assert.equal(d.isDelete(), true);
  assert.equal(d.isSweep(), false);
  const s = parseOverride("lr=tag(log,interval(0.001,0.1))");
  assert.equal(s.isSweep(), true);
  assert.equal(s.isIntervalSweep(), true);
  assert.equal(s.isDiscreteSweep(), false);
  assert.equal(parseOverride("x=glob(*)").isChoiceSweep(), true);
});
