// The Optuna sweeper on a tiny app (tests/fixtures/optuna-sweep): the plugin's config keys, results file, study
// storage and resume, FAIL trials and max_failure_rate, a stop on purpose, several directions, grid sampling,
// custom_search_space and bad settings. The joblib launcher, pruning and Ctrl-C: joblib-launcher.test.ts.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadStudy, TrialState } from "../../../src/optuna/index.js";
import { FIXTURE, ROOT, results, run } from "./optuna-sweep-app.js";

describe("hydra/sweeper=optuna", () => {
  test("`--cfg hydra -p hydra.sweeper` of hparams_search=mnist_optuna shows the plugin's keys and defaults", async () => {
    const { result, printed } = await run(
      ["hparams_search=mnist_optuna", "--cfg", "hydra", "-p", "hydra.sweeper"],
      "quadratic",
      {
        configDir: join(ROOT, "configs"),
        configName: "train",
      },
    );
    assert.equal(result.exitCode, 0, printed);
    assert.equal(
      printed,
      `# @package hydra.sweeper
sampler:
  _target_: optuna.samplers.TPESampler
  seed: 1234
  consider_prior: true
  prior_weight: 1.0
  consider_magic_clip: true
  consider_endpoints: false
  n_startup_trials: 10
  n_ei_candidates: 24
  multivariate: false
  warn_independent_sampling: true
_target_: hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper
direction: maximize
storage: null
study_name: null
n_trials: 20
n_jobs: 1
max_failure_rate: 0.0
search_space: null
params:
  model.optimizer.lr: interval(0.0001, 0.1)
  data.batch_size: choice(32, 64, 128, 256)
  model.net.lin1_size: choice(64, 128, 256)
  model.net.lin2_size: choice(64, 128, 256)
  model.net.lin3_size: choice(32, 64, 128, 256)
custom_search_space: null
`,
    );
  });

  test("a sweep tells each job's value, writes optimization_results.yaml, and a rerun resumes the study", async () => {
    const journal = join(mkdtempSync(join(tmpdir(), "kiln-resume-")), "study.log");
    const first = await run([`hydra.sweeper.storage=${journal}`, "hydra.sweeper.study_name=s1"]);
    assert.equal(first.result.exitCode, 0, first.logs);
    for (const line of [
      "Study name: s1",
      "Sampler: TPESampler",
      "Directions: ['minimize']",
      "Best parameters: {'x': ",
    ]) {
      assert.ok(first.logs.includes(line), `missing log line ${line}\n${first.logs}`);
    }
    const res = results(first.sweepDir);
    assert.deepEqual(Object.keys(res), ["name", "best_params", "best_value"]);
    assert.equal(res.name, "optuna");
    const jobs = first.result.multirun!.jobs;
    assert.equal(jobs.length, 6);
    assert.equal(res.best_value, Math.min(...jobs.map((j) => j.returnValue as number)));
    assert.match(
      readFileSync(join(first.sweepDir, "optimization_results.yaml"), "utf8"),
      /^name: optuna\nbest_params:\n {2}x: -?\d/,
    );
    // each job got the trial's parameters as overrides: x as a float, y as a choice
    assert.match(jobs[0].overrides.join(" "), /^x=-?\d+\.\d+(e-\d+)? y=[ab]$/);

    const again = await run([
      `hydra.sweeper.storage=${journal}`,
      "hydra.sweeper.study_name=s1",
      "hydra.sweeper.n_trials=2",
    ]);
    assert.equal(again.result.exitCode, 0, again.logs);
    const study = loadStudy({ storage: journal, studyName: "s1" });
    assert.deepEqual(
      study.trials.map((t) => t.number),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE));
    // the resumed sweep's result is the best over the whole study
    assert.equal(results(again.sweepDir).best_value, study.bestValue);
  });

  test("failed jobs are FAIL trials; past max_failure_rate the sweep stops and lists them", async () => {
    const tolerated = await run(
      ["hydra.sweeper.max_failure_rate=1.0", "hydra.sweeper.n_trials=8"],
      "failing",
    );
    assert.equal(tolerated.result.exitCode, 0, tolerated.logs);
    assert.match(tolerated.logs, /Failed experiment: boom at x=/);
    assert.ok(existsSync(join(tolerated.sweepDir, "optimization_results.yaml")));
    assert.match(tolerated.logs, /FAILED: boom at x=/, "the summary lists the failed jobs");

    const strict = await run(
      ["hydra.sweeper.max_failure_rate=0.0", "hydra.sweeper.n_trials=8", "y=b"],
      "failing",
    );
    assert.equal(strict.result.exitCode, 1);
    assert.match(
      strict.logs,
      /Failed \[Error\('boom at x=.*'\), Error\('boom at x=.*'\)\] times out of 2 with max_failure_rate=0\.0\./,
    );
    assert.match(
      strict.printed,
      /Optuna sweep stopped: 2 of 2 jobs of the batch failed.*\n {2}#0 \[x=.* y=b\]: boom at x=/s,
    );
    assert.equal(existsSync(join(strict.sweepDir, "optimization_results.yaml")), false);

    const none = await run(
      ["hydra.sweeper.max_failure_rate=1.0", "hydra.sweeper.n_trials=2", "x=interval(4.5, 5)", "y=a"],
      "failing",
    );
    assert.match(none.logs, /Failed experiment: Return value must be float-castable\. Got 'None'\./);
  });

  test("a job stopped on purpose (SystemExit) ends the sweep: its batch's trials FAIL, no results file", async () => {
    const journal = join(mkdtempSync(join(tmpdir(), "kiln-stop-")), "study.log");
    const { result, sweepDir, logs } = await run(
      [
        `hydra.sweeper.storage=${journal}`,
        "hydra.sweeper.study_name=st",
        "hydra.sweeper.max_failure_rate=1.0",
      ],
      "stopping",
    );
    assert.equal(result.exitCode, 1, logs);
    assert.equal(result.multirun?.jobs.length, 1, "the basic launcher starts no job after the stop");
    const study = loadStudy({ storage: journal, studyName: "st" });
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ["FAIL", "FAIL"],
    );
    assert.equal(existsSync(join(sweepDir, "optimization_results.yaml")), false);
  });

  test("several directions: the Pareto front as `solutions`", async () => {
    const { result, sweepDir, logs } = await run(
      ["hydra.sweeper.direction=[minimize,minimize]", "hydra.sweeper.n_trials=6"],
      "twoObjectives",
    );
    assert.equal(result.exitCode, 0, logs);
    const res = results(sweepDir) as { name: string; solutions: { params: object; values: number[] }[] };
    assert.deepEqual(Object.keys(res), ["name", "solutions"]);
    assert.ok(res.solutions.length >= 1);
    assert.deepEqual(Object.keys(res.solutions[0]), ["params", "values"]);
    assert.match(logs, /Number of Pareto solutions: \d+/);
  });

  test("grid sampling runs each grid point once and caps n_trials", async () => {
    const { result, logs } = await run([
      "hydra/sweeper/sampler=grid", "~hydra.sweeper.sampler.n_startup_trials", "x=choice(0,1,2)", "hydra.sweeper.n_trials=10",
    ]); // biome-ignore format: an argv
    assert.equal(result.exitCode, 0, logs);
    assert.match(logs, /Updating num of trials to 6 due to using GridSampler\./);
    const seen = result.multirun!.jobs.map((j) => j.overrides.join(" ")).sort();
    assert.deepEqual(seen, ["x=0 y=a", "x=0 y=b", "x=1 y=a", "x=1 y=b", "x=2 y=a", "x=2 y=b"]);
  });

  test("custom_search_space adds parameters through a function of the config and the trial", async () => {
    const { result, logs } = await run([
      `hydra.sweeper.custom_search_space='file:${join(FIXTURE, "tasks.ts")}#extend'`,
      "hydra.sweeper.n_trials=2",
    ]);
    assert.equal(result.exitCode, 0, logs);
    for (const job of result.multirun!.jobs) assert.match(job.overrides.join(" "), /^x=\S+ y=[ab] z=0\.\d+/);
  });

  test("bad sweeper settings name the key and what works", async () => {
    const cma = await run(["hydra/sweeper/sampler=cmaes"]);
    assert.match(
      cma.printed,
      /hydra\.sweeper\.sampler\._target_: 'optuna\.samplers\.CmaEsSampler' is not available in Kiln; use optuna\.samplers\.TPESampler/,
    );
    const sqlite = await run(["hydra.sweeper.storage=sqlite:///example.db"]);
    assert.match(sqlite.printed, /Unsupported storage 'sqlite:\/\/\/example\.db'.*a journal file path/s);
    const badKey = await run(["+hydra.sweeper.sampler.n_ei=3"]);
    assert.match(
      badKey.printed,
      /hydra\.sweeper\.sampler\.n_ei: not an argument of optuna\.samplers\.TPESampler/,
    );
  });
});
