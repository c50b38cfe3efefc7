// The Optuna sweeper and the joblib launcher on a tiny app (tests/fixtures/optuna-sweep): the plugin's config
// keys, results file, study storage and resume, FAIL trials and max_failure_rate, several directions, grid
// sampling, parallel child processes, pruning through the job's trial, and Ctrl-C.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { runHydraApp } from "../../../src/config/run/hydra-app.js";
import { loadStudy, setVerbosity, TrialState } from "../../../src/optuna/index.js";

setVerbosity(40);
const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "optuna-sweep");
const TASKS = pathToFileURL(join(FIXTURE, "tasks.ts")).href;
const ROOT = join(import.meta.dirname, "..", "..", "..");

/** Runs the test app with `argv`; captures stdout (where Hydra logs) and the app's output. */
async function run(
  argv: string[],
  taskName = "quadratic",
  opts: { configDir?: string; configName?: string } = {},
) {
  const out = mkdtempSync(join(tmpdir(), "kiln-optuna-sweep-"));
  process.env.KILN_TEST_OUT = out;
  const task = (await import(TASKS))[taskName];
  let logs = "";
  let printed = "";
  const write = process.stdout.write.bind(process.stdout);
  // Log lines are strings; the test runner's own reports (the same stream, as buffers) must pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== "string") return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    logs += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    const sweepDir = join(out, "sweep");
    const result = await runHydraApp(
      opts.configDir ? argv : ["-m", `hydra.sweep.dir=${sweepDir}`, ...argv],
      task,
      {
        configDir: opts.configDir ?? FIXTURE,
        configName: opts.configName ?? "config",
        appName: "app",
        stdout: (t) => {
          printed += t;
        },
        stderr: (t) => {
          printed += t;
        },
        warn: () => {},
        taskRef: { module: TASKS, export: taskName },
      },
    );
    return { result, logs, printed, out, sweepDir };
  } finally {
    process.stdout.write = write;
  }
}

// Jobs in child processes log to their files only: the children share this process's stdout, where the test
// runner reads its report.
const FILE_LOGS = "hydra.job_logging.root.handlers=[file]";

const results = (dir: string): Record<string, unknown> =>
  parse(readFileSync(join(dir, "optimization_results.yaml"), "utf8"));

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

describe("hydra/launcher=joblib", () => {
  test("n_jobs=2 runs two jobs at the same time, each in its own process with Hydra's numbering", async () => {
    const { result, sweepDir, logs } = await run([
      "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_trials=4", "sleep_s=3.0",
      FILE_LOGS,
    ]); // biome-ignore format: an argv
    assert.equal(result.exitCode, 0, logs);
    assert.match(logs, /Joblib\.Parallel\(n_jobs=2,backend=loky,prefer=processes,.*\) is launching 2 jobs/);
    // As the plugin: each batch's jobs are listed as #0, #1 (its enumerate), while their folders go on 2, 3.
    assert.equal(logs.match(/\t#0 : x=\S+ y=[ab] sleep_s=3\.0\n/g)?.length, 2, logs);
    assert.doesNotMatch(logs, /\t#2 : x=\S+ y=[ab] sleep_s=3\.0\n/);
    const spans = [0, 1, 2, 3].map((n) =>
      readFileSync(join(sweepDir, String(n), "times"), "utf8")
        .trim()
        .split(" "),
    );
    const [a, b] = spans;
    assert.ok(
      Number(a[0]) < Number(b[1]) && Number(b[0]) < Number(a[1]),
      `jobs 0 and 1 did not overlap: ${spans}`,
    );
    // The jobs' own log files (Hydra's job_logging, `[%(asctime)s]...`) tell the same: their spans overlap.
    const logSpan = (n: number): number[] => {
      const text = readFileSync(join(sweepDir, String(n), "app.log"), "utf8");
      const stamps = [...text.matchAll(/^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})\]/gm)].map((m) =>
        Date.parse(`${m[1]}T${m[2]}.${m[3]}`),
      );
      assert.match(text, /job starts[\s\S]*job ends/, `job ${n}'s log`);
      return [Math.min(...stamps), Math.max(...stamps)];
    };
    const [la, lb] = [logSpan(0), logSpan(1)];
    assert.ok(la[0] < lb[1] && lb[0] < la[1], `the logs of jobs 0 and 1 do not overlap: ${la} / ${lb}`);
    assert.equal(new Set(spans.map((s) => s[2])).size, 4, "one fresh process per job");
    assert.ok(spans.every((s) => s[2] !== String(process.pid)));
    const hydraYaml = parse(readFileSync(join(sweepDir, "3", ".hydra", "hydra.yaml"), "utf8"));
    assert.equal(hydraYaml.hydra.job.num, 3);
    assert.equal(hydraYaml.hydra.job.id, "app_3");
    assert.equal(
      results(sweepDir).best_value,
      Math.min(...result.multirun!.jobs.map((j) => j.returnValue as number)),
    );
  });

  test("hydra.callbacks hear each job's start and end in its child process", async () => {
    const { result, sweepDir, logs } = await run([
      "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_trials=2", FILE_LOGS,
      "+hydra.callbacks.log._target_=hydra.experimental.callbacks.LogJobReturnCallback",
    ]); // biome-ignore format: an argv
    assert.equal(result.exitCode, 0, logs);
    for (const job of ["0", "1"]) {
      assert.match(readFileSync(join(sweepDir, job, "app.log"), "utf8"), /Succeeded with return value: \d/);
    }
  });

  test("libtorch threads per job: cores / parallel jobs unless KILN_NUM_THREADS is set", async () => {
    const saved = process.env.KILN_NUM_THREADS;
    try {
      process.env.KILN_NUM_THREADS = "3";
      const { sweepDir } = await run([
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "hydra.sweeper.n_trials=2",
        FILE_LOGS,
      ]);
      assert.equal(
        readFileSync(join(sweepDir, "0", "times"), "utf8")
          .trim()
          .split(" ")[3],
        "3",
      );
      delete process.env.KILN_NUM_THREADS;
      const { sweepDir: d2 } = await run([
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "hydra.sweeper.n_trials=2",
        FILE_LOGS,
      ]);
      const expected = String(Math.max(1, Math.floor((await import("node:os")).availableParallelism() / 2)));
      assert.equal(
        readFileSync(join(d2, "0", "times"), "utf8")
          .trim()
          .split(" ")[3],
        expected,
      );
    } finally {
      if (saved === undefined) delete process.env.KILN_NUM_THREADS;
      else process.env.KILN_NUM_THREADS = saved;
    }
  });
});

describe("pruning (hydra.sweeper.pruner, Kiln's addition)", () => {
  for (const launcher of ["basic", "joblib"]) {
    test(`a job reports to its trial and stops when pruned (${launcher} launcher)`, async () => {
      const journal = join(mkdtempSync(join(tmpdir(), "kiln-prune-")), "study.log");
      const { result, logs } = await run([
        `hydra/launcher=${launcher}`, "+hydra/sweeper/pruner=median", "hydra.sweeper.pruner.n_startup_trials=1",
        "hydra.sweeper.n_trials=6", "hydra.sweeper.n_jobs=1", `hydra.sweeper.storage=${journal}`, "hydra.sweeper.study_name=p",
      ], "curve"); // biome-ignore format: an argv
      assert.equal(result.exitCode, 0, logs);
      const study = loadStudy({ storage: journal, studyName: "p" });
      const pruned = study.trials.filter((t) => t.state === TrialState.PRUNED);
      assert.ok(
        pruned.length >= 1,
        `no trial was pruned: ${study.trials.map((t) => `${t.params.y}:${TrialState[t.state]}`)}`,
      );
      for (const t of pruned) assert.ok(t.intermediateValues.size < 5, "a pruned trial stopped early");
      assert.ok(
        study.trials
          .filter((t) => t.state === TrialState.COMPLETE)
          .every((t) => t.intermediateValues.size === 5),
      );
      assert.match(logs, /PRUNED: Trial was pruned at epoch \d/);
    });
  }
});

test("Ctrl-C stops every child, marks the running trials FAIL and leaves no results file", async () => {
  const out = mkdtempSync(join(tmpdir(), "kiln-sigint-"));
  const journal = join(out, "study.log");
  const sweepDir = join(out, "sweep");
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv.filter((a) => !a.startsWith("--test")),
      join(FIXTURE, "sweep-main.ts"), "sleepy", "-m", `hydra.sweep.dir=${sweepDir}`, "hydra/launcher=joblib",
      "hydra.launcher.n_jobs=2", `hydra.sweeper.storage=${journal}`, "hydra.sweeper.study_name=c",
    ], // biome-ignore format: an argv
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KILN_TEST_OUT: out } },
  );
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const started = () => [0, 1].every((n) => existsSync(join(sweepDir, String(n), "started")));
  for (let i = 0; i < 300 && !started(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(started(), `the jobs did not start:\n${output}`);
  const pids = [0, 1].map((n) => Number(readFileSync(join(sweepDir, String(n), "started"), "utf8")));
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.on("close", r));
  assert.equal(code, 130, output);
  assert.match(output, /KeyboardInterrupt|Interrupted by Ctrl-C/);
  for (const pid of pids) {
    assert.throws(() => process.kill(pid, 0), /ESRCH/, `job process ${pid} still runs`);
  }
  const study = loadStudy({ storage: journal, studyName: "c" });
  assert.deepEqual(
    study.trials.map((t) => TrialState[t.state]),
    ["FAIL", "FAIL"],
  );
  assert.equal(existsSync(join(sweepDir, "optimization_results.yaml")), false);
  assert.deepEqual(
    readdirSync(sweepDir).filter((f) => f.includes(".tmp")),
    [],
  );
});
