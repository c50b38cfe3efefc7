// The file store against the one MLflow 3.6 wrote (tests/fixtures/mlflow/store-3.6): the fixture's own calls
// replayed through Kiln's FileStore must give the same tree, the same meta.yaml lines (ids and times aside,
// plus run_uuid for MLflow 2.x), the same metric/param/tag file bytes; the reader must read the golden store
// (whose empty folders git did not keep) and Kiln's store alike.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { test } from "node:test";
import { MlflowError } from "../../../../src/lightning/loggers/mlflow/entities.js";
import { FileStore, newExperimentId } from "../../../../src/lightning/loggers/mlflow/file-store.js";
import { readExperiments, readRun } from "../../../../src/lightning/loggers/mlflow/store-reader.js";
import { tempDir } from "../replay.js";

const fixtures = join(import.meta.dirname, "..", "..", "..", "fixtures", "mlflow");
const golden = join(fixtures, "store-3.6");
const EXP = "672155485861034537";
const RUN_A = "77cbb6b07409414088fc0cf75285a293";
const RUN_B = "11611ec5bdf44bef8a52149a4941c8ce";
const longValue = readFileSync(join(golden, EXP, RUN_A, "params", "long_value"), "utf8");
const configYaml = join(golden, EXP, RUN_A, "artifacts", "hydra", "config.yaml");

/** The fixture's calls (fixtures README section 1) through Kiln's FileStore. */
function writeFixtureStore(root: string): { exp: string; runA: string; runB: string } {
  const store = new FileStore(root);
  const exp = store.createExperiment("kiln-fixture", null, [{ key: "project", value: "kiln" }]);
  const context = [
    { key: "mlflow.user", value: "root" },
    { key: "mlflow.source.name", value: "make_store.py" },
    { key: "mlflow.source.type", value: "LOCAL" },
  ];
  const tags = [...context, { key: "team", value: "kiln" }, { key: "stage", value: "fit" }];
  let a = store.createRun({ experimentId: exp, runName: "run-a", userId: "root", tags });
  store.logParams(a, [
    { key: "lr", value: "0.001" },
    { key: "batch_size", value: "64" },
  ]);
  store.logParams(a, [
    { key: "model/optimizer/lr", value: "0.01" },
    { key: "model/hidden", value: "[64, 128]" },
  ]);
  store.logParams(a, [{ key: "long_value", value: longValue }]);
  const now = Date.now();
  store.logMetrics(
    a,
    [0, 1, 2, 3, 4].map((s) => ({ key: "train/loss", value: 1 / (s + 1), timestamp: now, step: s })),
  );
  store.logMetrics(a, [
    { key: "val/acc", value: 0.5, timestamp: now, step: 0 },
    { key: "val/acc", value: Number.NaN, timestamp: now, step: 1 },
  ]);
  store.setTag(a, { key: "mlflow.note.content", value: "hello from run A" });
  store.logArtifact(a, configYaml, "hydra");
  a = store.updateRun(a, "FINISHED", Date.now());
  let b = store.createRun({ experimentId: exp, runName: "run-b", userId: "root", tags: context });
  store.logMetrics(b, [{ key: "train/loss", value: 2.5, timestamp: now, step: 0 }]);
  b = store.updateRun(b, "FAILED", Date.now());
  return { exp, runA: a.runId, runB: b.runId };
}

/** `d path` / `f path` lines of a folder, like the fixture's `find | sort` listing. */
function tree(root: string): string[] {
  const out = ["d ."];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = `./${relative(root, p).split(sep).join("/")}`;
      if (statSync(p).isDirectory()) {
        out.push(`d ${rel}`);
        walk(p);
      } else out.push(`f ${rel}`);
    }
  };
  walk(root);
  return out;
}
const byPath = (lines: string[]) => lines.sort((x, y) => (x.slice(2) < y.slice(2) ? -1 : 1));

const root = tempDir("kiln-mlflow-store-");
const ids = writeFixtureStore(root);
const toMine = (rel: string) => rel.replace(EXP, ids.exp).replace(RUN_A, ids.runA).replace(RUN_B, ids.runB);
const rename = (s: string) =>
  s.replaceAll(ids.exp, EXP).replaceAll(ids.runA, RUN_A).replaceAll(ids.runB, RUN_B);

test("the tree matches the golden listing, empty folders (.trash, params/, artifacts/) included", () => {
  const goldenTree = readFileSync(join(fixtures, "store-3.6.tree.txt"), "utf8").trim().split("\n");
  assert.deepEqual(byPath(tree(root).map(rename)), goldenTree);
});

test("experiment ids are 18-digit decimals, run ids uuid4 hex", () => {
  assert.match(ids.exp, /^[1-9][0-9]{17}$/);
  assert.match(ids.runA, /^[0-9a-f]{32}$/);
  assert.ok(new Set(Array.from({ length: 50 }, newExperimentId)).size === 50);
});

/** A meta.yaml with times, ids and absolute artifact roots replaced by placeholders. */
const normalize = (text: string, storeRoot: string) =>
  rename(text)
    .replaceAll(/\b1[0-9]{12}\b/g, "<ms>")
    .replace(/file:\/\/\/.*?(\/(?:0|[0-9]{18})(?:\/|$))/gm, "file:///<root>$1")
    .replace(storeRoot, "<root>");

test("meta.yaml files have the golden keys, order and formatting (plus run_uuid for MLflow 2.x)", () => {
  for (const rel of [
    "0/meta.yaml",
    `${EXP}/meta.yaml`,
    `${EXP}/${RUN_A}/meta.yaml`,
    `${EXP}/${RUN_B}/meta.yaml`,
  ]) {
    const mine = normalize(readFileSync(join(root, toMine(rel)), "utf8"), root);
    const real = normalize(readFileSync(join(golden, rel), "utf8"), "/mlflow-root/store-3.6");
    const runId = /^run_id: (.*)$/m.exec(real)?.[1];
    const expected = runId ? real.replace(/^(run_name: .*)$/m, `$1\nrun_uuid: ${runId}`) : real;
    assert.equal(mine, expected, rel);
  }
});

test("metric, param and tag files have the golden bytes (timestamps aside)", () => {
  const files = tree(golden)
    .filter((l) => l.startsWith("f ") && !l.endsWith("meta.yaml"))
    .map((l) => l.slice(4));
  assert.ok(files.length >= 20);
  for (const rel of files) {
    const mine = readFileSync(join(root, toMine(rel)), "utf8");
    const real = readFileSync(join(golden, rel), "utf8");
    const noTime = (s: string) => (rel.includes("/metrics/") ? s.replaceAll(/^[0-9]+ /gm, "<ms> ") : s);
    assert.equal(noTime(mine), noTime(real), rel);
  }
});

test("the reader reads the golden store, though git dropped its empty folders", () => {
  const exps = readExperiments(golden);
  assert.deepEqual(exps.map((e) => [e.experimentId, e.name]).sort(), [
    ["0", "Default"],
    [EXP, "kiln-fixture"],
  ]);
  assert.deepEqual(exps.find((e) => e.experimentId === EXP)?.tags, { project: "kiln" });
  const a = readRun(golden, EXP, RUN_A);
  assert.equal(a.info.status, "FINISHED");
  assert.equal(a.info.runName, "run-a");
  assert.equal(a.params["model/optimizer/lr"], "0.01");
  assert.equal(a.params.long_value.length, 280);
  assert.deepEqual(
    a.metrics["train/loss"].map((p) => p.value),
    [1, 0.5, 0.3333333333333333, 0.25, 0.2],
  );
  assert.ok(Number.isNaN(a.metrics["val/acc"][1].value));
  assert.equal(a.tags["mlflow.note.content"], "hello from run A");
  assert.deepEqual(a.artifacts, ["hydra/config.yaml"]);
  const b = readRun(golden, EXP, RUN_B);
  assert.equal(b.info.status, "FAILED");
  assert.deepEqual([b.params, b.artifacts], [{}, []]);
});

test("the reader reads Kiln's store back to what was written", () => {
  const a = readRun(root, ids.exp, ids.runA);
  assert.equal(a.info.endTime !== null && a.info.endTime >= a.info.startTime, true);
  assert.deepEqual(Object.keys(a.params).sort(), [
    "batch_size",
    "long_value",
    "lr",
    "model/hidden",
    "model/optimizer/lr",
  ]);
  assert.equal(readRun(root, ids.exp, ids.runB).metrics["train/loss"][0].value, 2.5);
});

test("like MLflow: a changed param is refused, the same value is fine, bad keys are refused", () => {
  const store = new FileStore(tempDir("kiln-mlflow-rules-"));
  const exp = store.createExperiment("rules");
  assert.throws(() => store.createExperiment("rules"), { errorCode: "RESOURCE_ALREADY_EXISTS" });
  const run = store.createRun({ experimentId: exp, userId: "u" });
  assert.match(run.runName, /^[a-z]+-[a-z]+-\d+$/);
  store.logParams(run, [{ key: "bs", value: "64" }]);
  store.logParams(run, [{ key: "bs", value: "64" }]);
  assert.throws(
    () => store.logParams(run, [{ key: "bs", value: "32" }]),
    (e: unknown) => {
      assert.ok(e instanceof MlflowError && e.errorCode === "INVALID_PARAMETER_VALUE");
      assert.match((e as Error).message, /Changing param values is not allowed.*'64'.*'32'/);
      return true;
    },
  );
  for (const bad of ["a//b", "/abs", "../up", "x/", "semi;colon", "k".repeat(251), ""]) {
    assert.throws(
      () => store.logParams(run, [{ key: bad, value: "1" }]),
      { errorCode: "INVALID_PARAMETER_VALUE" },
      bad,
    );
  }
  store.logParams(run, [{ key: "big", value: "v".repeat(7000) }]);
  assert.equal(readRun(store.root, exp, run.runId).params.big.length, 6000);
  assert.throws(() => store.getRun("0".repeat(32)), { errorCode: "RESOURCE_DOES_NOT_EXIST" });
});

test("metric values are written in Python's str(float) form", () => {
  const store = new FileStore(tempDir("kiln-mlflow-floats-"));
  const run = store.createRun({ experimentId: store.createExperiment("floats"), userId: "u" });
  const values = [
    1,
    1e-7,
    1e20,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    -0.5,
    0.1 + 0.2,
  ];
  store.logMetrics(
    run,
    values.map((value, step) => ({ key: "v", value, timestamp: 5, step })),
  );
  const text = readFileSync(join(store.root, run.experimentId, run.runId, "metrics", "v"), "utf8");
  assert.equal(
    text,
    "5 1.0 0\n5 1e-07 1\n5 1e+20 2\n5 inf 3\n5 -inf 4\n5 nan 5\n5 -0.5 6\n5 0.30000000000000004 7\n",
  );
  const back = readRun(store.root, run.experimentId, run.runId).metrics.v.map((p) => p.value);
  assert.deepEqual(back.slice(0, 5), values.slice(0, 5));
  writeFileSync(join(store.root, run.experimentId, run.runId, "metrics", "bad"), "1 x 0\n");
  assert.throws(() => readRun(store.root, run.experimentId, run.runId), /metrics\/bad:1: not a number/);
});
