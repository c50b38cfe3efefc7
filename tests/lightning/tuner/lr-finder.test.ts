// The learning-rate finder against Lightning 2.6.6's on the same seed, model and data (fixture from
// scripts/fixtures/make_lr_finder_fixture.py): the lrs it tries, the smoothed losses, where it stops, the
// suggestion (the same decade, and here the same value), the model's lr updated and its weights restored.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { LightningModule } from "../../../src/lightning/module.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { Tuner } from "../../../src/lightning/tuner/index.js";
import * as torch from "../../../src/torch/index.js";
import { Linear, ReLU, Sequential } from "../../../src/torch/nn/index.js";

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/tuner/lr_finder.json", import.meta.url), "utf8"),
);

function data(): { x: torch.Tensor; y: torch.Tensor } {
  torch.manualSeed(0);
  const x = torch.keep(torch.randn([512, 4]));
  const w = torch.tensor([[1.5], [-2.0], [0.5], [3.0]]);
  const noise = torch.randn([512, 1]);
  const y = torch.keep(x.matmul(w).add(noise.mul(0.1)));
  w.dispose();
  noise.dispose();
  return { x, y };
}

/** The fixture's Regressor: Linear(4, 16) -> ReLU -> Linear(16, 1), MSE, SGD(lr). */
class Regressor extends LightningModule {
  lr = 0.01;
  net = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 1));
  override forward(x: torch.Tensor): torch.Tensor {
    return this.net.call(x) as torch.Tensor;
  }
  override trainingStep(batch: unknown): torch.Tensor {
    const [x, y] = batch as torch.Tensor[];
    return torch.mseLoss(this.forward(x!), y!);
  }
  override configureOptimizers() {
    return new torch.optim.SGD(this.parameters(), { lr: this.lr });
  }
}

for (const want of fixture.cases) {
  test(`lrFind (${want.mode}) follows Lightning's run: lrs, smoothed losses, early stop, suggestion`, async () => {
    const { x, y } = data();
    try {
      const loader = new torch.data.DataLoader({
        dataset: new torch.data.TensorDataset(x, y),
        batch_size: 16,
      });
      torch.manualSeed(1);
      const model = new Regressor();
      const before = model.parameters().map((p) => p.toArray());
      const trainer = new Trainer({
        max_epochs: 5,
        logger: false,
        enable_checkpointing: false,
        enable_progress_bar: false,
        enable_model_summary: false,
      });
      const finder = await new Tuner(trainer).lrFind(model, {
        train_dataloaders: loader,
        min_lr: want.min_lr,
        max_lr: want.max_lr,
        num_training: want.num_training,
        mode: want.mode,
        early_stop_threshold: want.early_stop_threshold,
      });
      assert.ok(finder);
      const lrs = want.lr.map(Number);
      assert.equal(
        finder.results.lr.length,
        lrs.length,
        "the same number of steps (and the same early stop)",
      );
      finder.results.lr.forEach((lr, i) => {
        assert.ok(Math.abs(lr - lrs[i]) <= 1e-12 * lrs[i], `lr ${i}: ${lr} vs ${lrs[i]}`);
      });
      const losses = want.loss.map(Number);
      finder.results.loss.forEach((l, i) => {
        if (Number.isFinite(losses[i]))
          assert.ok(Math.abs(l - losses[i]) <= 1e-3 * Math.abs(losses[i]), `loss ${i}: ${l} vs ${losses[i]}`);
      });
      const suggestion = finder.suggestion()!;
      const theirs = Number(want.suggestion);
      assert.equal(
        Math.floor(Math.log10(suggestion)),
        Math.floor(Math.log10(theirs)),
        `${suggestion} vs Lightning's ${theirs}`,
      );
      assert.ok(Math.abs(suggestion - theirs) <= 1e-9 * theirs, `the same point: ${suggestion} vs ${theirs}`);
      assert.equal(model.lr, suggestion, "update_attr set the model's lr");
      assert.deepEqual(
        model.parameters().map((p) => p.toArray()),
        before,
        "weights restored",
      );
      assert.equal(trainer.globalStep, 0, "the caller's trainer did not move");
      assert.equal(model.hasTrainer, false);
      model.dispose();
    } finally {
      x.dispose();
      y.dispose();
    }
  });
}

test("lrFind refuses several optimizers and a model without an lr attribute", async () => {
  const { x, y } = data();
  try {
    const loader = new torch.data.DataLoader({ dataset: new torch.data.TensorDataset(x, y), batch_size: 16 });
    const trainer = new Trainer({
      logger: false,
      enable_checkpointing: false,
      enable_progress_bar: false,
      enable_model_summary: false,
    });
    class Two extends Regressor {
      override configureOptimizers() {
        return [
          new torch.optim.SGD(this.parameters(), { lr: 0.1 }),
          new torch.optim.SGD(this.parameters(), { lr: 0.1 }),
        ] as never;
      }
    }
    await assert.rejects(
      new Tuner(trainer).lrFind(new Two(), { train_dataloaders: loader, num_training: 5 }),
      /returned 2, but learning rate finder only works with single optimizer/,
    );
    class NoLr extends LightningModule {}
    await assert.rejects(
      new Tuner(trainer).lrFind(new NoLr(), { train_dataloaders: loader }),
      /either `model.lr`, `model.learning_rate`/,
    );
  } finally {
    x.dispose();
    y.dispose();
  }
});

test("the LearningRateFinder callback (by its Lightning name) sets the suggested lr when fit starts", async () => {
  const { instantiate } = await import("../../../src/config/index.js");
  const { registerKilnTargets } = await import("../../../src/utils/targets.js");
  registerKilnTargets();
  const want = fixture.cases[0];
  const { x, y } = data();
  try {
    class WithLoader extends Regressor {
      override trainDataloader() {
        return new torch.data.DataLoader({ dataset: new torch.data.TensorDataset(x, y), batch_size: 16 });
      }
    }
    const callback = await instantiate({
      _target_: "lightning.pytorch.callbacks.LearningRateFinder",
      min_lr: want.min_lr,
      max_lr: want.max_lr,
      num_training_steps: want.num_training,
    });
    torch.manualSeed(1);
    const model = new WithLoader();
    const trainer = new Trainer({
      max_epochs: 5,
      max_steps: 3,
      logger: false,
      enable_checkpointing: false,
      enable_progress_bar: false,
      enable_model_summary: false,
      callbacks: [callback as never],
    });
    await trainer.fit(model);
    assert.ok(Math.abs(model.lr - Number(want.suggestion)) <= 1e-9 * Number(want.suggestion));
    assert.equal(trainer.globalStep, 3, "the real fit ran after the search");
    assert.equal((trainer.optimizers[0]!.paramGroups[0] as { lr: number }).lr, model.lr);
    model.dispose();
  } finally {
    x.dispose();
    y.dispose();
  }
});
