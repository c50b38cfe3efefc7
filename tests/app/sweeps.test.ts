// Multiruns through the CLI, as the template's test_sweeps.py: each exits 0 and writes every job's folder.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import {
  explain,
  NO_TINY_DATA,
  QUIET_CALLBACKS,
  runCli,
  tempDir,
  tinyDataOverrides,
  writeTinyIdx,
} from "./helpers.js";

describe("kiln train -m (CLI subprocess, tiny IDX files of real images)", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  let data: string[] = [];
  before(() => {
    data = [...tinyDataOverrides(writeTinyIdx(join(tempDir(), "raw"), 500, 100)), ...QUIET_CALLBACKS];
  });

  test("-m experiment=glob(*) ++trainer.fast_dev_run=true logger=[]", async () => {
    const dir = tempDir();
    const r = await runCli([
      "train", "-m", "experiment=glob(*)", "++trainer.fast_dev_run=true", "logger=[]", ...data, `hydra.sweep.dir=${dir}`,
    ]); // biome-ignore format: an argv
    assert.equal(r.code, 0, explain(r));
    const experiments = readdirSync(join(import.meta.dirname, "..", "..", "configs", "experiment")).length;
    for (let job = 0; job < experiments; job++)
      assert.ok(existsSync(join(dir, String(job), ".hydra", "config.yaml")));
    assert.ok(existsSync(join(dir, "multirun.yaml")));
  });

  test("-m model.optimizer.lr=0.005,0.01 ++trainer.fast_dev_run=true", async () => {
    const dir = tempDir();
    const r = await runCli([
      "train", "-m", "model.optimizer.lr=0.005,0.01", "++trainer.fast_dev_run=true", "+optimized_metric=val/acc",
      ...data, `hydra.sweep.dir=${dir}`,
    ]); // biome-ignore format: an argv
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(
      readdirSync(dir)
        .filter((d) => /^\d+$/.test(d))
        .sort(),
      ["0", "1"],
    );
    assert.match(
      readFileSync(join(dir, "0", ".hydra", "overrides.yaml"), "utf8"),
      /model\.optimizer\.lr=0\.005/,
    );
    assert.match(
      readFileSync(join(dir, "1", ".hydra", "overrides.yaml"), "utf8"),
      /model\.optimizer\.lr=0\.01/,
    );
    assert.ok(existsSync(join(dir, "1", "train.log")));
    // each job returns optimized_metric, which the sweep summary reports (what a hyperparameter sweeper reads)
    assert.equal((r.stdout.match(/Retrieved metric value! <val\/acc=/g) ?? []).length, 2, explain(r));
  });
});
