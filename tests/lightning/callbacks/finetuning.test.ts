// BaseFinetuning / BackboneFinetuning as Lightning's: the backbone frozen before training (BatchNorm left
// trainable by default), unfrozen at its epoch and added to the running optimizer as a param group with
// backbone_initial_ratio_lr x the lr, then its lr raised by lambda_func each epoch (capped at the head's with
// should_align); the added groups are in the callback's state by parameter name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiate } from "../../../src/config/index.js";
import { BackboneFinetuning, BaseFinetuning } from "../../../src/lightning/callbacks/index.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { BatchNorm1d, Linear, Sequential } from "../../../src/torch/nn/index.js";
import { registerKilnTargets } from "../../../src/utils/targets.js";
import { loader, QUIET, regressionData } from "../trainer/helpers.js";

class Transfer extends LightningModule {
  backbone = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
  head = new Linear(4, 1);
  lrsByEpoch: number[][] = [];
  override forward(x: torch.Tensor): torch.Tensor {
    return this.head.call(this.backbone.call(x) as torch.Tensor) as torch.Tensor;
  }
  override trainingStep(batch: unknown): torch.Tensor {
    const [x, y] = batch as torch.Tensor[];
    return torch.mseLoss(this.forward(x!), y!);
  }
  override configureOptimizers() {
    return new torch.optim.SGD(this.head.parameters(), { lr: 0.1 });
  }
  override onTrainEpochEnd(): void {
    const opt = this.optimizers() as torch.optim.SGD;
    this.lrsByEpoch.push(opt.paramGroups.map((g) => g.lr));
  }
}

test("BackboneFinetuning freezes the backbone, unfreezes it at its epoch and raises its lr", async () => {
  const data = regressionData(8);
  try {
    const model = new Transfer();
    const linear = model.backbone.at(0) as Linear;
    const before = linear.weight.toArray();
    const callback = new BackboneFinetuning({ unfreeze_backbone_at_epoch: 1, lambda_func: () => 1.5 });
    let afterEpoch0: unknown = null;
    const trainer = new Trainer({ ...QUIET, max_epochs: 4, callbacks: [callback] });
    model.onTrainEpochStart = () => {
      if (trainer.currentEpoch === 1) afterEpoch0 = linear.weight.toArray();
    };
    await trainer.fit(model, { trainDataloaders: loader(data, 4) });
    assert.deepEqual(afterEpoch0, before, "the frozen backbone did not move in epoch 0");
    assert.notDeepEqual(linear.weight.toArray(), before, "it trained once unfrozen");
    // epoch 0: head only; epoch 1: backbone at 0.1 * 0.1; epochs 2, 3: x1.5 each, below the head's 0.1.
    const lrs = model.lrsByEpoch.map((g) => g.map((lr) => Number(lr.toPrecision(12))));
    assert.deepEqual(lrs, [[0.1], [0.1, 0.01], [0.1, 0.015], [0.1, 0.0225]]);
    const bn = model.backbone.at(1) as BatchNorm1d;
    assert.equal(bn.weight!.requiresGrad, true, "train_bn keeps BatchNorm trainable");
    const meta = callback.stateDict().internal_optimizer_metadata as Record<
      number,
      { params: unknown[]; lr: number }[]
    >;
    assert.deepEqual(
      meta[0]!.map((g) => g.params),
      [
        ["head.weight", "head.bias"],
        ["backbone.0.weight", "backbone.0.bias", "backbone.1.weight", "backbone.1.bias"],
      ],
    );
    assert.equal(callback.stateDict().previous_backbone_lr, model.lrsByEpoch[3]![1]);
  } finally {
    data.dispose();
  }
});

test("freeze with train_bn=false stops BatchNorm's statistics; a model without a backbone is refused", async () => {
  const net = new Sequential(new Linear(2, 2), new BatchNorm1d(2));
  BaseFinetuning.freeze(net, false);
  assert.deepEqual(BaseFinetuning.filterParams(net, true, true), []);
  assert.equal((net.at(1) as BatchNorm1d).trackRunningStats, false);
  BaseFinetuning.makeTrainable(net);
  assert.equal(BaseFinetuning.filterParams(net).length, 4);
  assert.equal((net.at(1) as BatchNorm1d).trackRunningStats, true);
  const data = regressionData(4);
  try {
    class NoBackbone extends Transfer {
      override backbone = undefined as unknown as Sequential;
      override forward(x: torch.Tensor): torch.Tensor {
        return this.head.call(torch.zeros([x.shape[0]!, 4])) as torch.Tensor;
      }
    }
    const trainer = new Trainer({ ...QUIET, max_epochs: 1, callbacks: [new BackboneFinetuning()] });
    await assert.rejects(
      trainer.fit(new NoBackbone(), { trainDataloaders: loader(data, 2) }),
      /The LightningModule should have a nn.Module `backbone` attribute/,
    );
  } finally {
    data.dispose();
  }
  registerKilnTargets();
  const cb = await instantiate({
    _target_: "lightning.pytorch.callbacks.BackboneFinetuning",
    unfreeze_backbone_at_epoch: 3,
  });
  assert.ok(cb instanceof BackboneFinetuning);
  assert.equal((cb as BackboneFinetuning).unfreezeBackboneAtEpoch, 3);
});
