// The sampler-quality benchmark script on tiny settings, Kiln's side only (Optuna's side needs a venv with
// optuna 5.0): it runs every objective and writes the table's figures. Not a timed test.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "../..");

test("sampler-quality.ts --kiln-only writes a row per objective", { timeout: 120_000 }, () => {
  const out = join(mkdtempSync(join(tmpdir(), "kiln-sampler-bench-")), "q.json");
  const args = [
    "--import",
    "tsx",
    "scripts/bench/sampler-quality.ts",
    "--kiln-only",
    "--trials",
    "12",
    "--seeds",
    "2",
  ];
  const r = spawnSync(process.execPath, [...args, "--json", out], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Optuna's side skipped: --kiln-only/);
  const { rows, trials, seeds } = JSON.parse(readFileSync(out, "utf8"));
  assert.deepEqual([trials, seeds], [12, 2]);
  assert.deepEqual(
    rows.map((row: { objective: string }) => row.objective),
    ["branin (2-D)", "hartmann6 (6-D)", "hpo-mixed (log + categorical, 6-D)", "rosenbrock (4-D)"],
  );
  for (const row of rows) {
    assert.ok(
      Number.isFinite(row.kiln_mean_best) && row.kiln_mean_best >= row.optimum - 1e-6,
      JSON.stringify(row),
    );
    assert.equal(row.optuna_mean_best, null);
    assert.ok(row.kiln_ms_per_trial > 0);
  }
});
