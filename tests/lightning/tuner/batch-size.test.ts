// The batch-size finder as Lightning's: power mode doubles until a trial runs out of memory (or the batch
// reaches the dataset's size), binsearch then bisects and takes the margin off; an out-of-memory error of
// CUDA's wording ends a trial, and on the CPU max_rss_mb does; the size is left on the datamodule.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiate } from "../../../src/config/index.js";
import { BatchSizeFinder } from "../../../src/lightning/callbacks/index.js";
import { LightningDataModule } from "../../../src/lightning/datamodule.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { Tuner } from "../../../src/lightning/tuner/index.js";
import * as torch from "../../../src/torch/index.js";
import { registerKilnTargets } from "../../../src/utils/targets.js";
import { QUIET } from "../trainer/helpers.js";

class Data extends LightningDataModule {
  batch_size = 1;
  x = torch.keep(torch.randn([64, 3]));
  y = torch.keep(torch.randn([64, 1]));
  override trainDataloader() {
    return new torch.data.DataLoader({
      dataset: new torch.data.TensorDataset(this.x, this.y),
      batch_size: this.batch_size,
    });
  }
}

/** Runs out of "CUDA memory" above `limit` samples per batch. */
class Limited extends LightningModule {
  fc = new torch.nn.Linear(3, 1);
  sizes: number[] = [];
  constructor(readonly limit = Number.POSITIVE_INFINITY) {
    super();
  }
  override trainingStep(batch: unknown): torch.Tensor {
    const [x, y] = batch as torch.Tensor[];
    const n = x!.shape[0]!;
    this.sizes.push(n);
    if (n > this.limit) throw new Error("CUDA out of memory. Tried to allocate 2.00 GiB");
    return torch.mseLoss(this.fc.call(x!) as torch.Tensor, y!);
  }
  override configureOptimizers() {
    return new torch.optim.SGD(this.parameters(), { lr: 0.01 });
  }
}

const trainer = () => new Trainer({ ...QUIET, max_epochs: 1 });

test("power mode doubles until an out-of-memory trial, then keeps half of it", async () => {
  const dm = new Data();
  const model = new Limited(16);
  const found = await new Tuner(trainer()).scaleBatchSize(model, {
    datamodule: dm,
    mode: "power",
    steps_per_trial: 2,
  });
  assert.equal(found, 16);
  assert.equal(dm.batch_size, 16);
  assert.deepEqual([...new Set(model.sizes)], [2, 4, 8, 16, 32]);
});

test("power mode stops at the dataset's size; binsearch bisects and applies the margin", async () => {
  const dm = new Data();
  assert.equal(await new Tuner(trainer()).scaleBatchSize(new Limited(), { datamodule: dm }), 64);
  const bin = new Data();
  const found = await new Tuner(trainer()).scaleBatchSize(new Limited(16), {
    datamodule: bin,
    mode: "binsearch",
    steps_per_trial: 1,
  });
  // 2..16 pass, 32 fails, then 24, 20, 18, 17 fail: 16, less 5%.
  assert.equal(found, 15);
  assert.equal(bin.batch_size, 15);
});

test("on the CPU, max_rss_mb fails a trial; other errors propagate; the callback sets the size", async () => {
  const dm = new Data();
  const found = await new Tuner(trainer()).scaleBatchSize(new Limited(), {
    datamodule: dm,
    max_rss_mb: 1,
    max_trials: 1,
  });
  assert.equal(found, 1, "the 2-sample trial passed 1 MiB: halved");
  class Broken extends Limited {
    override trainingStep(): torch.Tensor {
      throw new TypeError("not a memory problem");
    }
  }
  await assert.rejects(
    new Tuner(trainer()).scaleBatchSize(new Broken(), { datamodule: new Data() }),
    /not a memory problem/,
  );
  await assert.rejects(
    new Tuner(trainer()).scaleBatchSize(new Limited(), { datamodule: null }),
    /Field batch_size not found/,
  );
  registerKilnTargets();
  const finder = (await instantiate({
    _target_: "lightning.pytorch.callbacks.BatchSizeFinder",
    steps_per_trial: 1,
  })) as BatchSizeFinder;
  assert.ok(finder instanceof BatchSizeFinder);
  const withCb = new Trainer({ ...QUIET, max_epochs: 1, max_steps: 1, callbacks: [finder] });
  const data = new Data();
  const model = new Limited(8);
  await withCb.fit(model, data);
  assert.equal(finder.optimalBatchSize, 8);
  assert.equal(model.sizes.at(-1), 8, "the real fit ran with the found size");
});
