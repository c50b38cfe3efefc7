// The lightning-hydra-template's own YAML (Python `_target_` names, verbatim) instantiating Kiln-named classes
// through the alias table, the way src/train.ts will use it. Stand-in classes are registered under the Kiln names.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkOptions,
  instantiate,
  type PartialTarget,
  registerTarget,
} from "../../../src/config/instantiate/index.js";
import { type DictConfig, parseYamlConfig, toView } from "../../../src/config/omegaconf/index.js";
import { KILN_TARGETS, registerTemplateAliases } from "../../../src/utils/targets.js";
import { isView } from "./helpers.js";

type Options = Record<string, unknown>;

class SimpleDenseNet {
  constructor(readonly options: Options) {
    checkOptions(
      options,
      ["input_size", "lin1_size", "lin2_size", "lin3_size", "output_size"],
      "SimpleDenseNet",
    );
  }
  parameters(): string[] {
    return ["w1", "w2"];
  }
}
class Adam {
  constructor(
    readonly params: unknown,
    readonly options: Options,
  ) {
    checkOptions(options, ["lr", "betas", "eps", "weight_decay", "amsgrad"], "Adam");
  }
}
class ReduceLROnPlateau {
  constructor(
    readonly optimizer: Adam,
    readonly options: Options,
  ) {}
}
class MNISTLitModule {
  constructor(readonly options: Options) {}
  configureOptimizers() {
    const net = this.options.net as SimpleDenseNet;
    const optimizer = (this.options.optimizer as PartialTarget<Adam>)({ params: net.parameters() });
    const scheduler = (this.options.scheduler as PartialTarget<ReduceLROnPlateau>)({ optimizer });
    return { optimizer, scheduler };
  }
}
class Trainer {
  constructor(readonly options: Options) {}
}
class DataModule {
  constructor(readonly options: Options) {}
}

registerTemplateAliases(); // what `kiln train` declares before instantiating
registerTarget(KILN_TARGETS.SimpleDenseNet, SimpleDenseNet);
registerTarget(KILN_TARGETS.Adam, Adam, { kind: "class", positional: ["params"] });
registerTarget(KILN_TARGETS.ReduceLROnPlateau, ReduceLROnPlateau, {
  kind: "class",
  positional: ["optimizer"],
});
registerTarget(KILN_TARGETS.MNISTLitModule, MNISTLitModule);
registerTarget(KILN_TARGETS.Trainer, Trainer);
registerTarget(KILN_TARGETS.MNISTDataModule, DataModule);

// configs/model/mnist.yaml, configs/trainer/default.yaml and configs/data/mnist.yaml of the template.
const CONFIG = `
model:
  _target_: src.models.mnist_module.MNISTLitModule

  optimizer:
    _target_: torch.optim.Adam
    _partial_: true
    lr: 0.001
    weight_decay: 0.0

  scheduler:
    _target_: torch.optim.lr_scheduler.ReduceLROnPlateau
    _partial_: true
    mode: min
    factor: 0.1
    patience: 10

  net:
    _target_: src.models.components.simple_dense_net.SimpleDenseNet
    input_size: 784
    lin1_size: 64
    lin2_size: 128
    lin3_size: 64
    output_size: 10

  # compile model for faster training with pytorch 2.0
  compile: false
trainer:
  _target_: lightning.pytorch.trainer.Trainer
  default_root_dir: \${paths.output_dir}
  min_epochs: 1 # prevents early stopping
  max_epochs: 10
  accelerator: cpu
  devices: 1
  check_val_every_n_epoch: 1
  deterministic: False
data:
  _target_: src.data.mnist_datamodule.MNISTDataModule
  data_dir: \${paths.data_dir}
  batch_size: 128
  train_val_test_split: [55_000, 5_000, 10_000]
  num_workers: 0
  pin_memory: False
paths:
  output_dir: logs/train/runs/x
  data_dir: data/
`;

const cfg = toView(parseYamlConfig(CONFIG, { file: "configs/train.yaml" }).node) as DictConfig;

test("the template's model config: nested net, partial optimizer and scheduler", async () => {
  const model = await instantiate<MNISTLitModule>(cfg.model);
  assert.ok(model instanceof MNISTLitModule);
  assert.ok(model.options.net instanceof SimpleDenseNet);
  assert.equal(model.options.compile, false);
  const { optimizer, scheduler } = model.configureOptimizers();
  assert.ok(optimizer instanceof Adam);
  assert.deepEqual(optimizer.params, ["w1", "w2"]);
  assert.deepEqual(optimizer.options, { lr: 0.001, weight_decay: 0 });
  assert.equal(typeof optimizer.options.weight_decay, "number", "YAML floats arrive as JS numbers");
  assert.ok(scheduler instanceof ReduceLROnPlateau);
  assert.equal(scheduler.optimizer, optimizer);
  assert.deepEqual(scheduler.options, { mode: "min", factor: 0.1, patience: 10 });
});

test("the template's trainer: interpolation to the root config and passthrough callbacks/loggers", async () => {
  const callbacks = [new Date(1), new Date(2)];
  const logger = [new Map()];
  const trainer = await instantiate<Trainer>(cfg.trainer, { callbacks, logger });
  assert.equal(trainer.options.default_root_dir, "logs/train/runs/x");
  assert.equal(trainer.options.deterministic, false);
  assert.deepEqual(trainer.options.callbacks, callbacks);
  assert.equal((trainer.options.callbacks as Date[])[0], callbacks[0], "the same instances, not copies");
  assert.equal((trainer.options.logger as Map<string, unknown>[])[0], logger[0]);
});

test("the template's datamodule: a YAML list arrives as a ListConfig view that reads like an array", async () => {
  const dm = await instantiate<DataModule>(cfg.data);
  const split = dm.options.train_val_test_split as number[];
  assert.ok(isView(split));
  assert.ok(Array.isArray(split));
  assert.equal(split.length, 3);
  assert.equal(
    split.reduce((a, b) => a + b, 0),
    70_000,
  );
  assert.deepEqual([...split], [55_000, 5_000, 10_000]);
  assert.equal(dm.options.data_dir, "data/");
  const plainDm = await instantiate<DataModule>(cfg.data, { _convert_: "all" });
  assert.ok(!isView(plainDm.options.train_val_test_split));
});
