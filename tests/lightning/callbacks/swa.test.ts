// StochasticWeightAveraging as Lightning's: from swa_epoch_start the scheduler becomes SWALR (annealing to
// swa_lrs), the weights at the start of each SWA epoch are averaged, the model ends with the average, and
// BatchNorm statistics are recomputed for the averaged weights; bad options give Lightning's messages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiate } from "../../../src/config/index.js";
import { MisconfigurationError, StochasticWeightAveraging } from "../../../src/lightning/callbacks/index.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { BatchNorm1d, Linear, Sequential } from "../../../src/torch/nn/index.js";
import { registerKilnTargets } from "../../../src/utils/targets.js";
import { loader, QUIET, regressionData } from "../trainer/helpers.js";

class WithNorm extends LightningModule {
  body = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
  head = new Linear(4, 1);
  snapshots: number[][][] = [];
  lrs: number[] = [];
  override forward(x: torch.Tensor): torch.Tensor {
    return this.head.call(this.body.call(x) as torch.Tensor) as torch.Tensor;
  }
  override trainingStep(batch: unknown): torch.Tensor {
    const [x, y] = batch as torch.Tensor[];
    return torch.mseLoss(this.forward(x!), y!);
  }
  override configureOptimizers() {
    return new torch.optim.SGD(this.parameters(), { lr: 0.1 });
  }
  override onTrainEpochStart(): void {
    this.snapshots.push(
      this.parameters().map((p) => (p.toTypedArray() as Float32Array).slice() as unknown as number[]),
    );
    this.lrs.push((this.optimizers() as torch.optim.SGD).paramGroups[0]!.lr);
  }
}

test("SWA averages the weights of the SWA epochs, anneals the lr, then recomputes BatchNorm statistics", async () => {
  const data = regressionData(16);
  try {
    const model = new WithNorm();
    const swa = new StochasticWeightAveraging({
      swa_lrs: 0.05,
      swa_epoch_start: 2,
      annealing_epochs: 1,
      annealing_strategy: "linear",
    });
    const trainer = new Trainer({ ...QUIET, max_epochs: 4, callbacks: [swa] });
    await trainer.fit(model, { trainDataloaders: loader(data, 4) });
    // SWA epochs are 1..3 (0-based): their starting weights are averaged.
    assert.equal(swa.nAveraged, 3);
    const expected = model.snapshots[1]!.map((_, i) =>
      Array.from(
        model.snapshots[1]![i]!,
        (_v, k) =>
          (model.snapshots[1]![i]![k]! + model.snapshots[2]![i]![k]! + model.snapshots[3]![i]![k]!) / 3,
      ),
    );
    model.parameters().forEach((p, i) => {
      const got = Array.from(p.toTypedArray() as Float32Array);
      got.forEach((v, k) => {
        assert.ok(Math.abs(v - expected[i]![k]!) < 1e-5, `param ${i}[${k}]: ${v} vs ${expected[i]![k]}`);
      });
    });
    // epochs 0 and 1 at the optimizer's lr; SWALR reaches swa_lr after one annealing epoch.
    assert.deepEqual(
      model.lrs.map((lr) => Number(lr.toPrecision(12))),
      [0.1, 0.1, 0.05, 0.05],
    );
    // BatchNorm's running mean is the mean of the first layer's outputs over the data, with the averaged weights.
    const bn = model.body.at(1) as BatchNorm1d;
    const want = torch.tidy(() => (model.body.at(0) as Linear).call(data.x).mean(0).toArray() as number[]);
    (bn.running_mean!.toArray() as number[]).forEach((v, k) => {
      assert.ok(Math.abs(v - want[k]!) < 1e-5, `running_mean[${k}]`);
    });
    const state = swa.stateDict();
    assert.equal(state.n_averaged, 3);
    assert.deepEqual(Object.keys(state.average_model_state as object), [
      "body.0.weight",
      "body.0.bias",
      "body.1.weight",
      "body.1.bias",
      "head.weight",
      "head.bias",
    ]);
  } finally {
    data.dispose();
  }
});

test("SWA options are checked as Lightning checks them; the Python name instantiates it", async () => {
  assert.throws(
    () => new StochasticWeightAveraging({ swa_lrs: -1 }),
    (e: Error) =>
      e instanceof MisconfigurationError && /The `swa_lrs` should a positive float/.test(e.message),
  );
  assert.throws(
    () => new StochasticWeightAveraging({ swa_lrs: 0.1, swa_epoch_start: 1.5 }),
    /swa_epoch_start should be a >0 integer or a float between 0 and 1/,
  );
  registerKilnTargets();
  const swa = await instantiate({
    _target_: "lightning.pytorch.callbacks.StochasticWeightAveraging",
    swa_lrs: 0.01,
  });
  assert.ok(swa instanceof StochasticWeightAveraging);
});
