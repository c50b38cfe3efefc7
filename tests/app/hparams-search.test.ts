// The template's headline search through the CLI, on tiny limits: `kiln train hparams_search=mnist_optuna` with
// the joblib launcher running two jobs at a time, a journal that Optuna reads, and pruning reports from the
// trainer of each job (in its child process) to the sweep's study.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { loadStudy, setVerbosity, TrialState } from "../../src/optuna/index.js";
import { explain, NO_BUNDLED, QUIET_CALLBACKS, runCli, tempDir } from "./helpers.js";

setVerbosity(40);
const TINY = [
  "trainer.max_epochs=1",
  "+trainer.limit_train_batches=2",
  "+trainer.limit_val_batches=1",
  "+trainer.limit_test_batches=1",
  "data.source=bundled",
  "extras.print_config=false",
  ...QUIET_CALLBACKS,
];

/** The first and last timestamps (ms) of a job's log. */
function span(logFile: string): [number, number] {
  const times = [
    ...readFileSync(logFile, "utf8").matchAll(/^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})\]/gm),
  ].map((m) => new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime());
  return [times[0], times[times.length - 1]];
}

describe("kiln train hparams_search=mnist_optuna (CLI subprocess, bundled digits)", {
  skip: NO_BUNDLED ?? false,
}, () => {
  test("4 trials, two parallel jobs at a time: results file, journal, job folders", async () => {
    const dir = tempDir("kiln-hparams-");
    const r = await runCli([
      "train", "hparams_search=mnist_optuna", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_jobs=2",
      "hydra.sweeper.n_trials=4", `hydra.sweep.dir=${dir}`, `hydra.sweeper.storage=${dir}/study.log`,
      "hydra.sweeper.study_name=mnist", ...TINY,
    ]); // biome-ignore format: an argv
    assert.equal(r.code, 0, explain(r));
    const results = parse(readFileSync(join(dir, "optimization_results.yaml"), "utf8"));
    assert.equal(results.name, "optuna");
    assert.deepEqual(Object.keys(results.best_params).sort(), [
      "data.batch_size", "model.net.lin1_size", "model.net.lin2_size", "model.net.lin3_size", "model.optimizer.lr",
    ]); // biome-ignore format: a list
    const study = loadStudy({ storage: join(dir, "study.log"), studyName: "mnist" });
    assert.equal(study.trials.length, 4);
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE));
    assert.equal(results.best_value, study.bestValue, "val/acc_best of the best job (maximised)");
    for (let job = 0; job < 4; job++) {
      const overrides = readFileSync(join(dir, String(job), ".hydra", "overrides.yaml"), "utf8");
      assert.match(
        overrides,
        new RegExp(`model\\.optimizer\\.lr=${study.trials[job].params["model.optimizer.lr"]}`),
      );
      assert.ok(existsSync(join(dir, String(job), "train.log")));
    }
    const [a, b] = [span(join(dir, "0", "train.log")), span(join(dir, "1", "train.log"))];
    assert.ok(a[0] <= b[1] && b[0] <= a[1], `jobs 0 and 1 did not run at the same time: ${a} / ${b}`);
    assert.match(r.stdout, /Joblib\.Parallel\(n_jobs=2,backend=loky/);
    assert.match(r.stdout, /Best value: 0\.\d+/);
  });

  test("with a pruner, every job's trainer reports val/acc_best to its trial after each validation", async () => {
    const dir = tempDir("kiln-hparams-prune-");
    const r = await runCli([
      "train", "hparams_search=mnist_optuna", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_jobs=2",
      "hydra.sweeper.n_trials=2", "+hydra/sweeper/pruner=median", `hydra.sweep.dir=${dir}`,
      `hydra.sweeper.storage=${dir}/study.log`, "hydra.sweeper.study_name=p", ...TINY.filter((o) => !o.startsWith("trainer.max")),
      "trainer.max_epochs=2",
    ]); // biome-ignore format: an argv
    assert.equal(r.code, 0, explain(r));
    for (const t of loadStudy({ storage: join(dir, "study.log"), studyName: "p" }).trials) {
      assert.equal(t.state, TrialState.COMPLETE);
      assert.deepEqual([...t.intermediateValues.keys()], [0, 1], "one report per epoch");
      assert.equal(t.intermediateValues.get(1), t.values![0], "the last report is the returned val/acc_best");
    }
  });
});
