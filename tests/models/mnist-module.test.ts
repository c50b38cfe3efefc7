// MNISTLitModule: steps, metrics, optimizer and scheduler from `_partial_` configs, hyperparameters.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiate } from "../../src/config/index.js";
import { SimpleDenseNet } from "../../src/models/components/simple-dense-net.js";
import { MNISTLitModule } from "../../src/models/mnist-module.js";
import * as torch from "../../src/torch/index.js";
import { registerKilnTargets } from "../../src/utils/targets.js";

registerKilnTargets();

async function build(withScheduler = true): Promise<MNISTLitModule> {
  return instantiate<MNISTLitModule>({
    _target_: "src.models.mnist_module.MNISTLitModule", // the Python name works through the alias table
    optimizer: { _target_: "torch.optim.Adam", _partial_: true, lr: 0.001, weight_decay: 0.0 },
    scheduler: withScheduler
      ? {
          _target_: "torch.optim.lr_scheduler.ReduceLROnPlateau",
          _partial_: true,
          mode: "min",
          factor: 0.1,
          patience: 10,
        }
      : null,
    net: { _target_: "kiln.models.components.SimpleDenseNet", lin1_size: 16, lin2_size: 16, lin3_size: 16 },
    compile: false,
  });
}

test("configureOptimizers: Adam over the parameters, ReduceLROnPlateau on val/loss per epoch", async () => {
  const model = await build();
  assert.ok(model.net instanceof SimpleDenseNet);
  const conf = model.configureOptimizers() as unknown as {
    optimizer: torch.optim.Optimizer;
    lrScheduler: Record<string, unknown>;
  };
  assert.ok(conf.optimizer instanceof torch.optim.Adam);
  assert.equal(conf.optimizer.paramGroups[0]!.lr, 0.001);
  assert.equal(conf.optimizer.paramGroups[0]!.params.length, model.parameters().length);
  assert.ok(conf.lrScheduler.scheduler instanceof torch.optim.ReduceLROnPlateau);
  assert.deepEqual(
    {
      monitor: conf.lrScheduler.monitor,
      interval: conf.lrScheduler.interval,
      frequency: conf.lrScheduler.frequency,
    },
    { monitor: "val/loss", interval: "epoch", frequency: 1 },
  );
  const plain = await build(false);
  assert.ok(plain.configureOptimizers() instanceof torch.optim.Adam);
  model.dispose();
  plain.dispose();
});

test("hyperparameters keep the optimizer and scheduler as their configs (checkpoint-safe)", async () => {
  const model = await build();
  assert.deepEqual(model.hparams.optimizer, {
    _target_: "kiln.torch.optim.Adam",
    _partial_: true,
    lr: 0.001,
    weight_decay: 0,
  });
  assert.equal(
    (model.hparams.scheduler as Record<string, unknown>)._target_,
    "kiln.torch.optim.lr_scheduler.ReduceLROnPlateau",
  );
  assert.equal(model.hparams.compile, false);
  model.dispose();
});

test("trainingStep returns the cross-entropy loss; metrics accumulate accuracy", async () => {
  const model = await build();
  torch.tidy(() => {
    const x = torch.randn([8, 1, 28, 28]);
    const y = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7], { dtype: "int64" });
    const loss = model.trainingStep([x, y], 0);
    assert.deepEqual(loss.shape, []);
    const expected = Number(torch.crossEntropy(model.forward(x), y).item());
    assert.ok(Math.abs(Number(loss.item()) - expected) < 1e-5);
    const acc = Number(model.trainAcc.compute().item());
    assert.ok(acc >= 0 && acc <= 1);
    assert.equal(model.trainLoss.updateCount, 1);
  });
  model.dispose();
});

test("onTrainStart forgets the sanity check's validation metrics", async () => {
  const model = await build();
  torch.tidy(() => {
    const batch = [torch.randn([4, 1, 28, 28]), torch.tensor([1, 2, 3, 4], { dtype: "int64" })];
    model.validationStep(batch, 0);
    model.valAccBest.update(model.valAcc.compute());
  });
  assert.equal(model.valAcc.updateCount, 1);
  model.onTrainStart();
  assert.equal(model.valAcc.updateCount, 0);
  assert.equal(model.valLoss.updateCount, 0);
  assert.equal(model.valAccBest.updateCount, 0);
  model.dispose();
});

test("missing or wrong factories are clear errors", () => {
  const net = new SimpleDenseNet({ lin1_size: 4, lin2_size: 4, lin3_size: 4 });
  assert.throws(() => new MNISTLitModule({ net, optimizer: null as never }), /`optimizer` must be a factory/);
  assert.throws(
    () => new MNISTLitModule({ net, optimizer: () => null as never, lr: 1 } as never),
    /unexpected option\(s\) lr/,
  );
  net.dispose();
});
