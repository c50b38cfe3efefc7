// The training flow through the CLI, in subprocesses, as the template's test_train.py / test_eval.py run it:
// fast_dev_run, val_check_interval=0.5, resume from last.ckpt, train-then-eval agreement, GPU variants.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import * as torch from "../../src/torch/index.js";
import {
  explain,
  NO_TINY_DATA,
  QUIET_CALLBACKS,
  runCli,
  tempDir,
  tinyDataOverrides,
  writeTinyIdx,
} from "./helpers.js";

const NO_CUDA = torch.cuda.isAvailable() ? null : "CUDA is not available on this machine";

/** The rows of a CSV logger's metrics.csv as objects. */
function readMetrics(runDir: string): Record<string, string>[] {
  const file = join(runDir, "csv", "version_0", "metrics.csv");
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const keys = header!.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, i) => [keys[i]!, v])));
}

function lastValue(rows: Record<string, string>[], key: string): number {
  const found = rows.filter((r) => r[key] !== undefined && r[key] !== "");
  assert.ok(found.length > 0, `no ${key} in metrics.csv`);
  return Number(found[found.length - 1]![key]);
}

describe("kiln train / eval (CLI subprocess, tiny IDX files of real images)", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  let data: string[] = [];
  before(() => {
    data = tinyDataOverrides(writeTinyIdx(join(tempDir(), "raw"), 500, 100));
  });

  test("train debug=fdr on CPU: one train, val and test step, exit 0, a complete run folder", async () => {
    const dir = tempDir();
    const r = await runCli(["train", "debug=fdr", ...data, `hydra.run.dir=${dir}`]);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /Best ckpt not found! Using current weights for testing\.\.\./);
    assert.match(r.stdout, /Output dir: /);
    for (const f of [".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml", "debug.log"]) {
      assert.ok(existsSync(join(dir, f)), `${f} missing in ${readdirSync(dir)}`);
    }
    const log = readFileSync(join(dir, "debug.log"), "utf8");
    assert.match(log, /Instantiating datamodule <kiln\.data\.MNISTDataModule>/);
    assert.match(log, /Starting testing!/);
  });

  test("trainer=ddp_sim: two CPU ranks share one run folder; rank 0 alone logs, saves and prints", async () => {
    const dir = tempDir();
    const r = await runCli([
      "train", ...data, "trainer=ddp_sim", "logger=csv", "trainer.max_epochs=2", "+trainer.limit_train_batches=4",
      "+trainer.limit_val_batches=2", "+trainer.limit_test_batches=2", `hydra.run.dir=${dir}`,
    ]); // biome-ignore format: an argv
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stdout.match(/Test metric/g)?.length, 1, "the results table is printed by rank 0 only");
    assert.doesNotMatch(r.stdout, /\[rank: 1\]/);
    assert.deepEqual(readdirSync(join(dir, "csv")), ["version_0"]);
    assert.ok(existsSync(join(dir, "checkpoints", "last.ckpt")));
    // Both ranks ran the datamodule (its log lines are not rank-zero-only) into rank 0's log file.
    const log = readFileSync(join(dir, "train.log"), "utf8");
    assert.ok((log.match(/Data source: /g)?.length ?? 0) >= 2, log);
    assert.equal(log.match(/Instantiating datamodule/g)?.length, 1);
  });

  test("trainer.val_check_interval=0.5 validates twice per epoch", async () => {
    const dir = tempDir();
    const r = await runCli([
      "train", ...data, ...QUIET_CALLBACKS, "logger=csv", "trainer.max_epochs=1", "+trainer.val_check_interval=0.5",
      "+trainer.num_sanity_val_steps=0", "test=false", `hydra.run.dir=${dir}`,
    ]); // biome-ignore format: an argv
    assert.equal(r.code, 0, explain(r));
    const validations = readMetrics(dir).filter(
      (row) => row["val/acc"] !== "" && row["val/acc"] !== undefined,
    );
    assert.equal(validations.length, 2);
  });

  test("resume: 1 epoch → last.ckpt, epoch_000.ckpt; eval of last.ckpt agrees; 2 epochs from last.ckpt → epoch_001 only", async () => {
    const dir = tempDir();
    const first = await runCli([
      "train",
      ...data,
      ...QUIET_CALLBACKS,
      "logger=csv",
      "trainer.max_epochs=1",
      `hydra.run.dir=${dir}`,
    ]);
    assert.equal(first.code, 0, explain(first));
    const ckpts = readdirSync(join(dir, "checkpoints"));
    assert.ok(ckpts.includes("last.ckpt") && ckpts.includes("epoch_000.ckpt"), String(ckpts));
    const trainAcc = lastValue(readMetrics(dir), "test/acc");
    const hparams = readFileSync(join(dir, "csv", "version_0", "hparams.yaml"), "utf8");
    assert.match(hparams, /^data\/resolved_source: idx$/m);
    assert.match(hparams, /^model\/params\/total: \d+$/m);
    assert.match(hparams, /^task_name: train$/m);

    const evalDir = tempDir();
    const last = join(dir, "checkpoints", "last.ckpt");
    const ev = await runCli(["eval", ...data, "logger=csv", `ckpt_path=${last}`, `hydra.run.dir=${evalDir}`]);
    assert.equal(ev.code, 0, explain(ev));
    assert.ok(Math.abs(lastValue(readMetrics(evalDir), "test/acc") - trainAcc) < 0.001);

    const second = await runCli([
      "train",
      ...data,
      ...QUIET_CALLBACKS,
      "trainer.max_epochs=2",
      `ckpt_path=${last}`,
      `hydra.run.dir=${dir}`,
    ]);
    assert.equal(second.code, 0, explain(second));
    const after = readdirSync(join(dir, "checkpoints"));
    assert.ok(after.includes("epoch_001.ckpt"), String(after));
    assert.ok(!after.includes("epoch_002.ckpt"), String(after));
  });

  test("eval without ckpt_path fails with a one-line cause", async () => {
    const r = await runCli(["eval", ...data, `hydra.run.dir=${tempDir()}`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ckpt_path/);
  });

  test("train debug=fdr trainer=gpu", { skip: NO_CUDA ?? false }, async () => {
    const r = await runCli([
      "train",
      "debug=fdr",
      "trainer=gpu",
      "trainer.accelerator=gpu",
      ...data,
      `hydra.run.dir=${tempDir()}`,
    ]);
    assert.equal(r.code, 0, explain(r));
  });
});
