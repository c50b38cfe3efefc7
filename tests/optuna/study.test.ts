// The study API in camelCase: ask/tell, optimize (catch, timeout, stop, parallel async trials), suggestions,
// best trial(s), enqueued trials and the errors Optuna gives for misuse.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  CategoricalDistribution,
  createStudy,
  FloatDistribution,
  loadStudy,
  MedianPruner,
  RandomSampler,
  StudyDirection,
  setLogHandler,
  setVerbosity,
  TrialPruned,
  TrialState,
} from "../../src/optuna/index.js";

setVerbosity(40);

describe("study API", () => {
  test("ask / tell: values, states, numbering, and tell by number", () => {
    const study = createStudy({ direction: "maximize", sampler: new RandomSampler({ seed: 0 }) });
    const a = study.ask();
    const b = study.ask();
    assert.deepEqual([a.number, b.number], [0, 1]);
    const x = a.suggestFloat("x", 0, 1);
    assert.equal(a.suggestFloat("x", 0, 1), x, "a repeated suggestion returns the first value");
    const n = b.suggestInt("n", 1, 10, { step: 3 });
    assert.ok([1, 4, 7, 10].includes(n));
    assert.equal(study.tell(a, x).state, TrialState.COMPLETE);
    study.tell(1, null, TrialState.FAIL);
    assert.throws(() => study.tell(a, 1), /Cannot tell a COMPLETE trial/);
    assert.equal(study.tell(a, 1, null, true).state, TrialState.COMPLETE);
    assert.throws(
      () => study.tell(7, 1),
      /Cannot tell for trial with number 7 since it has not been created/,
    );
    assert.equal(study.bestTrial.number, 0);
    assert.deepEqual(study.bestParams, { x });
    assert.equal(study.bestValue, x);
    assert.deepEqual(a.distributions, { x: new FloatDistribution(0, 1) });
  });

  test("tell refuses NaN and wrong counts (FAIL with a warning when no state is given)", () => {
    const warnings: string[] = [];
    const prev = setLogHandler((_, m) => warnings.push(m));
    setVerbosity(30);
    try {
      const study = createStudy();
      const t = study.ask();
      assert.throws(() => study.tell(t, Number.NaN, TrialState.COMPLETE), /The value nan is not acceptable/);
      assert.equal(study.tell(t, Number.NaN).state, TrialState.FAIL);
      assert.match(warnings.join("\n"), /The value nan is not acceptable/);
      const u = study.ask();
      assert.equal(study.tell(u, [1, 2]).state, TrialState.FAIL);
      assert.throws(() => study.tell(study.ask(), 1, TrialState.PRUNED), /Values cannot be specified/);
    } finally {
      setLogHandler(prev);
      setVerbosity(40);
    }
  });

  test("distribution errors are Optuna's", () => {
    const t = createStudy().ask();
    assert.throws(() => t.suggestFloat("a", 2, 1), /`low <= high` must hold/);
    assert.throws(() => t.suggestFloat("b", 0, 1, { log: true }), /`low > 0` must hold for `log=True`/);
    assert.throws(
      () => t.suggestFloat("c", 1, 2, { log: true, step: 0.5 }),
      /`step` is not supported when `log` is true/,
    );
    assert.throws(() => t.suggestInt("d", 0, 10, { log: true }), /`low >= 1` must hold/);
    t.suggestCategorical("e", ["a", "b"]);
    assert.throws(() => t.suggestCategorical("e", ["a", "c"]), /does not support dynamic value space/);
    assert.throws(() => t.suggestInt("e", 0, 1), /different distribution kind/);
    // a stepped range that does not divide is shortened, as Optuna does
    assert.equal(new FloatDistribution(0, 1, { step: 0.3 }).high, 0.9);
    assert.deepEqual(new CategoricalDistribution([1, "a", null]).choices, [1, "a", null]);
  });

  test("optimize: catch keeps going, other errors stop the loop after recording FAIL", async () => {
    const study = createStudy();
    await study.optimize(
      (t) => {
        const x = t.suggestFloat("x", -1, 1);
        if (t.number % 2 === 1) throw new RangeError("odd");
        return x * x;
      },
      { nTrials: 6, catch: [RangeError] },
    );
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ["COMPLETE", "FAIL", "COMPLETE", "FAIL", "COMPLETE", "FAIL"],
    );
    await assert.rejects(
      study.optimize(() => {
        throw new TypeError("boom");
      }),
      /boom/,
    );
    assert.equal(study.trials.at(-1)!.state, TrialState.FAIL);
  });

  test("optimize: timeout, stop(), callbacks and concurrent async trials", async () => {
    const study = createStudy();
    const seen: number[] = [];
    await study.optimize(
      (t) => {
        if (t.number === 3) study.stop();
        return t.suggestFloat("x", 0, 1);
      },
      { nTrials: 100, callbacks: [(_, ft) => seen.push(ft.number)] },
    );
    assert.deepEqual(seen, [0, 1, 2, 3]);
    const start = Date.now();
    await study.optimize(async () => {
      await new Promise((r) => setTimeout(r, 30));
      return 1;
    }, { timeout: 0.1 }); // biome-ignore format: short
    assert.ok(Date.now() - start < 1000);
    let running = 0;
    let peak = 0;
    const parallel = createStudy();
    await parallel.optimize(
      async (t) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return t.suggestFloat("x", 0, 1);
      },
      { nTrials: 8, nJobs: 4 },
    );
    assert.equal(peak, 4);
    assert.equal(parallel.trials.length, 8);
    assert.throws(() => study.stop(), /supposed to be invoked inside an objective/);
  });

  test("report / shouldPrune with MedianPruner; TrialPruned ends a trial PRUNED with its last value", async () => {
    const study = createStudy({ pruner: new MedianPruner({ nStartupTrials: 2 }) });
    await study.optimize(
      (t) => {
        for (let step = 0; step < 5; step++) {
          t.report(t.number === 3 ? 100 - step : step, step);
          if (t.shouldPrune()) throw new TrialPruned(`pruned at ${step}`);
        }
        return 0;
      },
      { nTrials: 4 },
    );
    const last = study.trials[3];
    assert.equal(last.state, TrialState.PRUNED);
    assert.deepEqual(last.values, [100]);
    assert.equal(last.intermediateValues.size, 1);
  });

  test("several objectives: bestTrials is the Pareto front; single-objective accessors refuse", async () => {
    const study = createStudy({ directions: ["minimize", "maximize"] });
    for (const [a, b] of [
      [1, 1],
      [2, 3],
      [0, 0],
      [3, 2],
      [2, 2],
    ])
      study.tell(study.ask(), [a, b]);
    assert.deepEqual(study.bestTrials.map((t) => t.number).sort(), [0, 1, 2]);
    assert.deepEqual(study.directions, [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]);
    assert.throws(() => study.bestTrial, /multi-objective/);
    assert.throws(() => study.ask().report(1, 0), /not supported for multi-objective/);
  });

  test("enqueued trials run first with their fixed parameters", async () => {
    const study = createStudy();
    study.enqueueTrial({ x: 0.25, c: "b" });
    await study.optimize(
      (t) => {
        t.suggestCategorical("c", ["a", "b"]);
        return t.suggestFloat("x", 0, 1);
      },
      { nTrials: 2 },
    );
    assert.deepEqual(study.trials[0].params, { c: "b", x: 0.25 });
  });

  test("createStudy / loadStudy argument errors", () => {
    assert.throws(() => createStudy({ direction: "maximize", directions: ["minimize"] }), /Specify only one/);
    assert.throws(
      () => createStudy({ direction: "up" as "maximize" }),
      /must be a list of `minimize` or `maximize`/,
    );
    assert.throws(() => loadStudy({ storage: null }), /does not contain exactly 1 study/);
  });

  test("creating and reopening a study logs Optuna's lines", () => {
    const lines: string[] = [];
    const prev = setLogHandler((_level, message) => lines.push(message));
    setVerbosity(20);
    try {
      createStudy();
      const journal = join(mkdtempSync(join(tmpdir(), "kiln-study-log-")), "j.log");
      createStudy({ storage: journal, studyName: "s" });
      createStudy({ storage: journal, studyName: "s", loadIfExists: true });
    } finally {
      setVerbosity(40);
      setLogHandler(prev);
    }
    assert.match(lines[0], /^A new study created in memory with name: no-name-[0-9a-f-]{36}$/);
    assert.deepEqual(lines.slice(1), [
      "A new study created in Journal with name: s",
      "Using an existing study with study_name='s' instead of creating a new one.",
    ]);
  });
});
