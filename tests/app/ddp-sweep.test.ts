// DDP inside a sweep (the basic launcher): each job of `-m` starts and ends its own process group and ranks,
// and a launched rank runs only its own job (into that job's folder), not the sweep again.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { explain, NO_TINY_DATA, runCli, tempDir, tinyDataOverrides, writeTinyIdx } from "./helpers.js";

test("-m trainer=ddp_sim model.optimizer.lr=0.005,0.01: two jobs, each with its own two ranks", {
  skip: NO_TINY_DATA ?? false,
  // A rank that ran another command than its job's would leave rank 0 waiting for it.
  timeout: 180_000,
}, async () => {
  const data = tinyDataOverrides(writeTinyIdx(join(tempDir(), "raw"), 500, 100));
  const dir = tempDir("kiln-ddp-sweep-");
  const r = await runCli([
    "train", "-m", "trainer=ddp_sim", "model.optimizer.lr=0.005,0.01", "++trainer.fast_dev_run=true",
    "+optimized_metric=val/acc", ...data, `hydra.sweep.dir=${dir}`,
  ]); // biome-ignore format: an argv
  assert.equal(r.code, 0, explain(r));
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /terminate called|EnforceNotMet|collective mismatch/);
  // The ranks ran no sweep of their own: two job folders, one multirun.yaml.
  assert.deepEqual(
    readdirSync(dir)
      .filter((d) => /^\d+$/.test(d))
      .sort(),
    ["0", "1"],
  );
  for (const [job, lr] of [
    ["0", "0.005"],
    ["1", "0.01"],
  ] as const) {
    assert.match(readFileSync(join(dir, job, ".hydra", "overrides.yaml"), "utf8"), new RegExp(`lr=${lr}`));
    assert.ok(!existsSync(join(dir, job, "0")), "a rank started a sweep inside the job");
  }
  assert.equal((all.match(/Starting with 2 processes/g) ?? []).length, 2, explain(r));
  assert.equal((r.stdout.match(/Retrieved metric value! <val\/acc=/g) ?? []).length, 2, explain(r));
});
