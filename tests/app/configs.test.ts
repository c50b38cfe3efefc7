// The configs as the template's test_configs.py checks them: train and eval compose; data, model and trainer
// instantiate. Also every option of every group composes, and the Python YAML (Python `_target_` names)
// instantiates the same classes through the alias table.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { compose, type DictConfig, instantiate } from "../../src/config/index.js";
import { MNISTDataModule } from "../../src/data/mnist-datamodule.js";
import { Trainer } from "../../src/lightning/trainer/trainer.js";
import { MNISTLitModule } from "../../src/models/mnist-module.js";
import { registerKilnTargets } from "../../src/utils/targets.js";
import { CONFIG_DIR, ROOT } from "./helpers.js";

before(() => {
  process.env.PROJECT_ROOT = ROOT;
  registerKilnTargets();
});

function composeTrain(overrides: string[] = []): DictConfig {
  return compose({ configDir: CONFIG_DIR, configName: "train", overrides, returnHydraConfig: true });
}

test("train config composes with every top-level key of the template", () => {
  const cfg = composeTrain();
  for (const key of ["data", "model", "callbacks", "trainer", "paths", "extras", "hydra"])
    assert.ok(key in cfg, key);
  assert.deepEqual(
    [cfg.task_name, [...cfg.tags], cfg.train, cfg.test, cfg.ckpt_path, cfg.seed],
    ["train", ["dev"], true, true, null, null],
  );
  assert.equal(cfg.paths.root_dir, ROOT);
  assert.match(cfg.hydra.run.dir, /\/logs\/+train\/runs\/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  assert.match(cfg.hydra.sweep.dir, /\/logs\/+train\/multiruns\/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
});

test("eval config composes; ckpt_path is mandatory", () => {
  const cfg = compose({ configDir: CONFIG_DIR, configName: "eval", overrides: ["ckpt_path=x.ckpt"] });
  assert.equal(cfg.task_name, "eval");
  assert.equal(cfg.ckpt_path, "x.ckpt");
  assert.ok(!("callbacks" in cfg));
  const missing = compose({ configDir: CONFIG_DIR, configName: "eval" });
  assert.throws(() => missing.ckpt_path, /ckpt_path/);
});

test("every option of every group composes", () => {
  for (const group of readdirSync(CONFIG_DIR, { withFileTypes: true })) {
    if (!group.isDirectory() || ["hydra", "local"].includes(group.name)) continue;
    for (const file of readdirSync(join(CONFIG_DIR, group.name))) {
      const option = file.replace(/\.yaml$/, "");
      const cfg = composeTrain([`${group.name}=${option}`]);
      assert.ok(cfg.trainer._target_, `${group.name}=${option}`);
    }
  }
});

test("data, model and trainer instantiate (Kiln targets)", async () => {
  const cfg = composeTrain(["trainer=cpu"]);
  const data = await instantiate(cfg.data);
  assert.ok(data instanceof MNISTDataModule);
  assert.equal(data.batchSize, 128);
  const model = await instantiate(cfg.model);
  assert.ok(model instanceof MNISTLitModule);
  const trainer = await instantiate(cfg.trainer);
  assert.ok(trainer instanceof Trainer);
  assert.equal(trainer.maxEpochs, 10);
  model.dispose();
});

test("the Python template's YAML (Python _target_ names) instantiates the same classes", async () => {
  const lht = join(ROOT, "tests", "config", "compose", "configs", "lht");
  const cfg = compose({
    configDir: lht,
    configName: "train",
    overrides: ["logger=csv"],
    returnHydraConfig: true,
  });
  assert.equal(cfg.model._target_, "src.models.mnist_module.MNISTLitModule");
  const model = await instantiate(cfg.model);
  assert.ok(model instanceof MNISTLitModule);
  assert.ok((await instantiate(cfg.data)) instanceof MNISTDataModule);
  assert.ok((await instantiate(cfg.trainer)) instanceof Trainer);
  const ckpt = await instantiate<{ constructor: { name: string } }>(cfg.callbacks.model_checkpoint);
  assert.equal(ckpt.constructor.name, "ModelCheckpoint");
  const csv = await instantiate<{ constructor: { name: string } }>(cfg.logger.csv);
  assert.equal(csv.constructor.name, "CSVLogger");
  model.dispose();
});
