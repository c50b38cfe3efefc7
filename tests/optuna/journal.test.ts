// Optuna's journal file: Kiln reads the journal real Optuna 5.0 wrote (tests/fixtures/optuna/study.journal.log),
// writes one that matches it field by field, resumes studies from it, shares it between processes, and real
// Optuna reads Kiln's journal back the same way (when a Python with optuna is found).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  createStudy,
  distributionRepr,
  loadStudy,
  type Study,
  setVerbosity,
  TPESampler,
  TrialPruned,
  TrialState,
} from "../../src/optuna/index.js";
import type { Trial } from "../../src/optuna/trial.js";
import { findPythonWith, noPythonReason } from "../lightning/loggers/python.js";

setVerbosity(40);
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "optuna");
const GOLDEN = join(FIXTURES, "study.journal.log");
const SUMMARY = JSON.parse(readFileSync(join(FIXTURES, "study.summary.json"), "utf8"));
const tmp = (): string => mkdtempSync(join(tmpdir(), "kiln-journal-"));

/** What make_journal.py's summary holds, computed by Kiln. */
function summary(study: Study): Record<string, unknown> {
  return {
    study_name: study.studyName,
    direction: study.direction === 2 ? "MAXIMIZE" : "MINIMIZE",
    best_value: study.bestValue,
    best_params: study.bestParams,
    study_user_attrs: study.userAttrs,
    trials: study.trials.map((t) => ({
      number: t.number,
      state: TrialState[t.state],
      params: t.params,
      values: t.values,
      intermediate_values: Object.fromEntries([...t.intermediateValues].map(([k, v]) => [String(k), v])),
      user_attrs: t.userAttrs,
      distributions: Object.fromEntries(
        Object.entries(t.distributions).map(([k, d]) => [k, distributionRepr(d)]),
      ),
    })),
  };
}

/** make_journal.py's objective. */
function objective(t: Trial): number {
  const lr = t.suggestFloat("model.optimizer.lr", 1e-4, 1e-1, { log: true });
  const bs = t.suggestCategorical("data.batch_size", [32, 64, 128, 256]);
  const width = t.suggestInt("model.net.lin1_size", 32, 256, { step: 32 });
  t.setUserAttr("job_dir", `multiruns/x/${t.number}`);
  if (t.number === 4) throw new RangeError("diverged");
  for (let step = 0; step < 2; step++) t.report(0.5 + 0.1 * step, step);
  if (t.number === 5) throw new TrialPruned();
  return 1 - Math.abs(Math.log10(lr) + 2.5) / 3 - Math.abs(bs - 64) / 1000 + width / 10000;
}

/** Runs make_journal.py's steps with Kiln into `path`. */
async function makeJournal(path: string): Promise<Study> {
  const sampler = new TPESampler({ seed: 1234, nStartupTrials: 3 });
  const study = createStudy({ studyName: "mnist_optuna", storage: path, direction: "maximize", sampler });
  study.setUserAttr("created_by", "make_journal.py");
  await study.optimize(objective, { nTrials: 8, catch: RangeError });
  const resumed = loadStudy({ studyName: "mnist_optuna", storage: path, sampler });
  await resumed.optimize(objective, { nTrials: 2, catch: RangeError });
  return resumed;
}

/** Deep equality with floats compared to 1e-12 (V8's and libm's exp/log differ in the last bits). */
function assertClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === "number" && typeof actual === "number") {
    assert.ok(
      Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
      `${path}: ${actual} != ${expected}`,
    );
  } else if (typeof expected === "string" && typeof actual === "string" && expected.startsWith("{")) {
    assertClose(JSON.parse(actual), JSON.parse(expected), path); // JSON inside a field: compare its values
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not a list`);
    assert.equal((actual as unknown[]).length, expected.length, `${path}: length`);
    expected.forEach((v, i) => {
      assertClose((actual as unknown[])[i], v, `${path}[${i}]`);
    });
  } else if (expected !== null && typeof expected === "object") {
    assert.deepEqual(Object.keys(actual as object), Object.keys(expected), `${path}: keys (in order)`);
    for (const [k, v] of Object.entries(expected))
      assertClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else assert.equal(actual, expected, path);
}

const lines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("Optuna journal files", () => {
  test("reads the journal Optuna wrote: trials, states, params, values, intermediate values, attributes", () => {
    const study = loadStudy({ storage: GOLDEN });
    const { optuna: _version, ...expected } = SUMMARY;
    assertClose(summary(study), expected, "summary");
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      [
        "COMPLETE",
        "COMPLETE",
        "COMPLETE",
        "COMPLETE",
        "FAIL",
        "PRUNED",
        "COMPLETE",
        "COMPLETE",
        "COMPLETE",
        "COMPLETE",
      ],
    );
    // system attributes too: the constant liar's shared relative params
    assert.match(String(study.trials[3].systemAttrs["tpe:relative_params:0"]), /"data.batch_size": 64/);
  });

  test("writes a journal that matches Optuna's field by field (same seeded TPE, same objective)", async () => {
    const path = join(tmp(), "study.journal.log");
    await makeJournal(path);
    const ours = lines(path);
    const golden = lines(GOLDEN);
    assert.equal(ours.length, golden.length);
    ours.forEach((line, i) => {
      const { worker_id: w, datetime_start: s, datetime_complete: c, ...rest } = line;
      const { worker_id: gw, datetime_start: gs, datetime_complete: gc, ...grest } = golden[i];
      assert.deepEqual(Object.keys(line), Object.keys(golden[i]), `line ${i + 1}: keys`);
      assertClose(rest, grest, `line ${i + 1}`);
      assert.match(String(w), /^[0-9a-f-]{36}-\d+$/);
      for (const d of [s, c].filter((x) => x !== undefined)) {
        assert.match(String(d), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/, `line ${i + 1}: datetime`);
      }
    });
    // the raw text uses Python's formatting: compact separators, int-valued floats as 96.0, spaced JSON inside
    const text = readFileSync(path, "utf8");
    assert.match(text, /"param_value_internal":\d+\.0,/);
    assert.match(
      text,
      /"distribution":"\{\\"name\\": \\"IntDistribution\\", \\"attributes\\": \{\\"log\\": false, /,
    );
  });

  test("resume: reopening the study continues the numbering, and the sampler sees every past trial", async () => {
    const path = join(tmp(), "resume.log");
    copyFileSync(GOLDEN, path);
    const sampler = new TPESampler({ seed: 1, nStartupTrials: 10 });
    const study = createStudy({
      studyName: "mnist_optuna",
      storage: path,
      loadIfExists: true,
      sampler,
      direction: "maximize",
    });
    assert.equal(study.trials.length, 10);
    await study.optimize(objective, { nTrials: 2, catch: RangeError });
    const trials = loadStudy({ studyName: "mnist_optuna", storage: path }).trials;
    assert.deepEqual(
      trials.map((t) => t.number),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    // 9 of the 10 past trials count (COMPLETE + PRUNED), so TPE (10 start-up trials) samples trial 11 itself
    assert.equal("tpe:relative_params:0" in trials[10].systemAttrs, false);
    assert.equal("tpe:relative_params:0" in trials[11].systemAttrs, true);
    assert.throws(
      () => createStudy({ studyName: "mnist_optuna", storage: path }),
      /already exists.*loadIfExists/s,
    );
  });

  test("parallel processes share one journal through its lock: every trial lands, numbers stay unique", async () => {
    const path = join(tmp(), "shared.log");
    const writer = join(FIXTURES, "journal-writer.ts");
    const run = (seed: number) =>
      new Promise<number | null>((resolve) => {
        const p = spawn(process.execPath, ["--import", "tsx", writer, path, "25", String(seed)], {
          stdio: "inherit",
        });
        p.on("exit", resolve);
      });
    assert.deepEqual(await Promise.all([run(1), run(2), run(3)]), [0, 0, 0]);
    const study = loadStudy({ storage: path, studyName: "shared" });
    assert.equal(study.trials.length, 75);
    assert.deepEqual(
      study.trials.map((t) => t.number),
      Array.from({ length: 75 }, (_, i) => i),
    );
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE && t.intermediateValues.size === 1));
    assert.equal(new Set(study.trials.map((t) => t.userAttrs.pid)).size, 3);
  });

  test("a line still being written is ignored; a damaged line is an error naming file:line", () => {
    const path = join(tmp(), "partial.log");
    copyFileSync(GOLDEN, path);
    appendFileSync(path, '{"op_code":4,"worker_id":"w","study_id":0,"datet');
    assert.equal(loadStudy({ storage: path }).trials.length, 10);
    const broken = join(tmp(), "broken.log");
    const text = readFileSync(GOLDEN, "utf8").split("\n");
    text[2] = "{not json";
    writeFileSync(broken, text.join("\n"));
    assert.throws(() => loadStudy({ storage: broken }), /broken\.log:3: not an Optuna journal line/);
  });

  test("other storage URLs fail with the supported forms", () => {
    for (const url of ["sqlite:///example.db", "postgresql://u@h/db", "redis://localhost"]) {
      assert.throws(
        () => createStudy({ storage: url }),
        /Unsupported storage.*null \(in memory\), a journal file path.*file: URL/s,
      );
    }
  });

  const python = findPythonWith("optuna");
  test("real Optuna reads Kiln's journal the same way", {
    skip: python ? false : noPythonReason("optuna"),
  }, async () => {
    const path = join(tmp(), "kiln.journal.log");
    const ours = summary(await makeJournal(path));
    const script = `
import json, sys, optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
s = optuna.load_study(study_name="mnist_optuna", storage=JournalStorage(JournalFileBackend(sys.argv[1])))
print(json.dumps({"study_name": s.study_name, "direction": s.direction.name, "best_value": s.best_value,
  "best_params": s.best_params, "study_user_attrs": s.user_attrs, "trials": [{"number": t.number,
  "state": t.state.name, "params": t.params, "values": t.values,
  "intermediate_values": {str(k): v for k, v in t.intermediate_values.items()}, "user_attrs": t.user_attrs,
  "distributions": {k: str(v) for k, v in t.distributions.items()}} for t in s.trials]}))`;
    const r = spawnSync(python!, ["-c", script, path], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assertClose(JSON.parse(r.stdout), ours, "optuna's view");
  });
});
