// The joblib launcher under the Optuna sweeper (tests/fixtures/optuna-sweep): parallel child processes with
// Hydra's numbering and overlapping jobs, hydra.callbacks in the children, threads per job, pruning through the
// job's trial (both launchers), and Ctrl-C of a parallel sweep.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { loadStudy, TrialState } from "../../../src/optuna/index.js";
import { FILE_LOGS, FIXTURE, results, run } from "./optuna-sweep-app.js";

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
