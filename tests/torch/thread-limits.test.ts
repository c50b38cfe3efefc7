// Thread counts are checked against what the machine can run before libtorch or libgomp sees them: a clear
// error naming the variable, never a libgomp abort or a segfault (issue: KILN_NUM_THREADS=100000 crashed).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { EnvironmentVariableError } from "../../src/common/env-error.js";
import {
  checkThreadCount,
  checkThreadVariables,
  THREADS_PER_CORE,
  threadLimit,
} from "../../src/torch/thread-limits.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const limit = { max: 64, cores: 2, systemRoom: 30_000 };

test("a count is a whole number from 1 to the limit; anything else names the setting and the range", () => {
  assert.equal(checkThreadCount("8", "KILN_NUM_THREADS", limit), 8);
  assert.equal(checkThreadCount(64, "Trainer(num_threads)", limit), 64);
  for (const bad of ["abc", "0", "-3", "2.5", "", "1e3"]) {
    assert.throws(
      () => checkThreadCount(bad, "KILN_NUM_THREADS", limit),
      new RegExp(
        `^RangeError: KILN_NUM_THREADS=${bad.replace(".", "\\.")} is not a thread count: use a whole number from 1 to 64 \\(usually the number of cores, 2\\)\\.$`,
      ),
    );
  }
  assert.throws(
    () => checkThreadCount(100_000, "Trainer(num_threads)", limit),
    /^RangeError: Trainer\(num_threads=100000\) is more threads than this machine can run: at most 64 here \(32 per CPU core, 2 cores\)\. Use a number from 1 to 64/,
  );
  assert.throws(
    () => checkThreadCount(65, "torch.setNumThreads()", limit),
    /^RangeError: torch\.setNumThreads\(65\) is more/,
  );
  const tight = { max: 10, cores: 8, systemRoom: 40 };
  assert.throws(
    () => checkThreadCount(11, "KILN_NUM_THREADS", tight),
    /at most 10 here \(the system has room for about 40 more threads, and Kiln sizes both libtorch thread pools/,
  );
});

test("this machine's limit: at most 32 per core, and at least 1", () => {
  const here = threadLimit();
  assert.equal(here.cores, availableParallelism());
  assert.ok(here.max >= 1 && here.max <= THREADS_PER_CORE * here.cores, JSON.stringify(here));
});

test("KILN_NUM_THREADS and every level of OMP_NUM_THREADS are checked, as EnvironmentVariableErrors", () => {
  assert.equal(checkThreadVariables({}), null);
  assert.equal(checkThreadVariables({ KILN_NUM_THREADS: "1", OMP_NUM_THREADS: "1,1" }), 1);
  const refused = (env: NodeJS.ProcessEnv, variable: string, pattern: RegExp) =>
    assert.throws(
      () => checkThreadVariables(env),
      (e: unknown) =>
        e instanceof EnvironmentVariableError && e.variable === variable && pattern.test(e.message),
    );
  refused({ KILN_NUM_THREADS: "100000" }, "KILN_NUM_THREADS", /^KILN_NUM_THREADS=100000 is more threads/);
  refused(
    { KILN_NUM_THREADS: "abc" },
    "KILN_NUM_THREADS",
    /unset it \(libtorch then uses one thread per core\)/,
  );
  refused({ OMP_NUM_THREADS: "2,40000" }, "OMP_NUM_THREADS", /^OMP_NUM_THREADS=40000 is more threads/);
});

/** `kiln train` in a subprocess with the given thread variables (a tiny fast_dev_run on the bundled digits). */
function kilnTrain(env: Record<string, string>, extra: string[] = []) {
  return spawnSync(
    process.execPath,
    [
      ...["--import", "tsx", join(ROOT, "src", "cli.ts"), "train", "debug=fdr", "extras.print_config=false"],
      `hydra.run.dir=${mkdtempSync(join(tmpdir(), "kiln-threads-"))}`,
      ...extra,
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, KILN_NUM_THREADS: "1", OMP_NUM_THREADS: "1", ...env, NO_COLOR: "1" },
    },
  );
}

test("kiln train with an impossible thread count: exit 1 and a message naming the variable, no crash", {
  timeout: 240_000,
}, () => {
  const huge = kilnTrain({ KILN_NUM_THREADS: "100000" });
  assert.equal(huge.status, 1, huge.stderr);
  assert.equal(huge.signal, null);
  assert.match(huge.stderr, /KILN_NUM_THREADS=100000 is more threads than this machine can run/);
  assert.doesNotMatch(huge.stderr, /libgomp|full_key|\.yaml:\d+/);
  const omp = kilnTrain({ OMP_NUM_THREADS: "40000" });
  assert.equal(omp.status, 1, omp.stderr);
  assert.match(omp.stderr, /OMP_NUM_THREADS=40000 is more threads than this machine can run/);
  const word = kilnTrain({ KILN_NUM_THREADS: "abc" });
  assert.equal(word.status, 1, word.stderr);
  assert.match(word.stderr, /KILN_NUM_THREADS=abc is not a thread count/);
  assert.doesNotMatch(word.stderr, /full_key|\.yaml:\d+/, "the variable is named, not a config line");
});

test("trainer.num_threads out of range points at the override that set it", { timeout: 120_000 }, () => {
  const r = kilnTrain({}, ["+trainer.num_threads=20000"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /Trainer\(num_threads=20000\) is more threads than this machine can run/);
  assert.match(r.stderr, /full_key: trainer\.num_threads\n {2}from override '\+trainer\.num_threads=20000'/);
});

test("loading the addon through the Node API with a bad variable throws the same error, no native abort", () => {
  const script = `
    import { native } from ${JSON.stringify(join(ROOT, "src", "torch", "native.ts"))};
    try { native(); console.log("loaded"); } catch (e) { console.log(e.name + ": " + e.message); }`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, KILN_NUM_THREADS: "40000" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^EnvironmentVariableError: KILN_NUM_THREADS=40000 is more threads/);
});
