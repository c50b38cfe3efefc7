import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { compose, trainMain } from "../../src/index.js";

const configDir = join(import.meta.dirname, "..", "..", "configs");
const quick = [
  "trainer.max_epochs=1",
  "+trainer.limit_train_batches=3",
  "+trainer.limit_val_batches=2",
  "+trainer.limit_test_batches=2",
  "data.source=bundled",
  "logger=csv",
  "extras.print_config=false",
];

test("README's script example: compose then trainMain writes the run into paths.output_dir", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "kiln-api-")), "run");
  const cfg = compose({
    configDir,
    configName: "train",
    overrides: [...quick, `paths.output_dir=${out}`, "+optimized_metric=val/acc"],
  });
  const metric = await trainMain(cfg);
  assert.equal(typeof metric, "number");
  assert.ok(existsSync(join(out, "tags.log")));
  assert.ok(existsSync(join(out, "checkpoints", "last.ckpt")));
  assert.ok(existsSync(join(out, "csv", "version_0", "metrics.csv")));
});

test("a composed config whose paths.output_dir is null fails with what to set", async () => {
  const cfg = compose({ configDir, configName: "train", overrides: [...quick, "paths.output_dir=null"] });
  await assert.rejects(trainMain(cfg), /paths\.output_dir is not set.*paths\.output_dir=<folder>/);
});

test("the package's main entry exports Optuna's study API", async () => {
  const kiln = await import("../../src/index.js");
  kiln.optuna.setVerbosity(40);
  const study = kiln.createStudy({
    direction: "minimize",
    sampler: new kiln.TPESampler({ seed: 1, nStartupTrials: 2 }),
  });
  await study.optimize((t) => (t.suggestFloat("x", -1, 1) - 0.5) ** 2, { nTrials: 6 });
  assert.equal(study.trials.length, 6);
  assert.ok(study.bestValue <= study.trials[0].value!);
  assert.equal(typeof kiln.OptunaPruningCallback, "function");
});
