// The lightning-hydra-template's configs (configs/lht): resolution through `${hydra:...}` without a run,
// and a sweeper plug-in's built-in config selected with `override /hydra/sweeper: optuna`.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { compose, composeNodes } from "../../../src/config/compose/compose.js";
import { registerHydraConfig } from "../../../src/config/compose/hydra-conf.js";
import { type DictNode, select } from "../../../src/config/omegaconf/index.js";

const configDir = join(import.meta.dirname, "configs", "lht");

test("paths resolve through oc.env and hydra:runtime without a run", () => {
  process.env.PROJECT_ROOT = "/proj";
  const cfg = compose({ configDir, configName: "train", overrides: ["debug=fdr"], jobName: "train" });
  assert.equal(cfg.paths.data_dir, "/proj/data/");
  assert.match(String(cfg.paths.output_dir), /^\/proj\/logs\/debug\/runs\/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  assert.equal(cfg.callbacks, null);
  assert.equal(cfg.trainer.fast_dev_run, true);
  assert.equal(cfg.paths.work_dir, process.cwd());
});

test("a registered hydra/sweeper option can be selected by a config", () => {
  registerHydraConfig(
    "hydra/sweeper/optuna",
    "_target_: hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper\ndirection: minimize\nn_trials: 20\n",
    true,
  );
  const { cfg } = composeNodes({
    configDir,
    configName: "train",
    overrides: ["hparams_search=mnist_optuna", "experiment=example"],
    returnHydraConfig: true,
    mode: "MULTIRUN",
  });
  assert.equal(
    select(cfg, "hydra.sweeper._target_"),
    "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper",
  );
  assert.equal(select(cfg, "hydra.sweeper.direction"), "maximize");
  const params = select(cfg, "hydra.sweeper.params") as DictNode;
  assert.deepEqual(params.keys(), ["model.optimizer.lr", "data.batch_size", "model.net.lin1_size"]);
  assert.equal(select(cfg, "hydra.mode"), "MULTIRUN");
  assert.equal(select(cfg, "optimized_metric"), "val/acc_best");
  assert.equal(select(cfg, "hydra.runtime.choices.hydra/sweeper"), "optuna");
});
