// Trainer flags on tiny synthetic data: validation scheduling, limits, fast_dev_run, max_steps, sanity
// steps, overfit_batches, log_every_n_steps, and the errors of invalid flag values.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import type { TrainerOptions } from "../../../src/lightning/trainer/options.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, MemoryLogger, QUIET, regressionData, tempDir } from "./helpers.js";

interface Counts {
  validations: number;
  sanityBatches: number;
  valBatches: number;
  trainBatches: number;
  testBatches: number;
}

/** Fits a linear model on 16 samples (4 batches of 4) with `options`; counts loops and batches. */
async function fitCounting(options: TrainerOptions, n = 16, batch = 4) {
  const data = regressionData(n);
  const counts: Counts = { validations: 0, sanityBatches: 0, valBatches: 0, trainBatches: 0, testBatches: 0 };
  const model = new LinearModule({
    onValidationStart: (m) => {
      if (!m.trainer.sanityChecking) counts.validations++;
    },
    validationStep: (m) => {
      if (m.trainer.sanityChecking) counts.sanityBatches++;
      else counts.valBatches++;
    },
    trainingStep: () => {
      counts.trainBatches++;
    },
    testStep: () => {
      counts.testBatches++;
    },
  });
  const trainer = new Trainer({ ...QUIET, ...options });
  try {
    await trainer.fit(model, { trainDataloaders: loader(data, batch), valDataloaders: loader(data, batch) });
    await trainer.test(model, { dataloaders: loader(data, batch), verbose: false });
  } finally {
    data.dispose();
  }
  return { counts, trainer, model };
}

test("val_check_interval 0.5 validates twice per epoch; an int validates every n batches", async () => {
  assert.equal((await fitCounting({ max_epochs: 2, val_check_interval: 0.5 })).counts.validations, 4);
  assert.equal((await fitCounting({ max_epochs: 1, val_check_interval: 1 })).counts.validations, 4);
  assert.equal(
    (await fitCounting({ max_epochs: 1, val_check_interval: new PyFloat(1) })).counts.validations,
    1,
  );
  await assert.rejects(
    fitCounting({ max_epochs: 1, val_check_interval: 5 }),
    /must be less than or equal to the number of the training batches \(4\)/,
  );
});

test("check_val_every_n_epoch validates every n epochs; null counts val_check_interval across epochs", async () => {
  assert.equal((await fitCounting({ max_epochs: 4, check_val_every_n_epoch: 2 })).counts.validations, 2);
  const across = await fitCounting({ max_epochs: 2, check_val_every_n_epoch: null, val_check_interval: 3 });
  assert.equal(across.counts.validations, 2);
});

test("limit_*_batches take an int (batches) or a fraction (of the loader)", async () => {
  const ints = await fitCounting({
    max_epochs: 1,
    limit_train_batches: 2,
    limit_val_batches: 1,
    limit_test_batches: 3,
  });
  assert.deepEqual([ints.counts.trainBatches, ints.counts.valBatches, ints.counts.testBatches], [2, 1, 3]);
  const fractions = await fitCounting({
    max_epochs: 1,
    limit_train_batches: 0.5,
    limit_val_batches: 0.25,
    limit_test_batches: 0.75,
  });
  assert.deepEqual(
    [fractions.counts.trainBatches, fractions.counts.valBatches, fractions.counts.testBatches],
    [2, 1, 3],
  );
  const all = await fitCounting({ max_epochs: 1, limit_train_batches: new PyFloat(1) });
  assert.equal(all.counts.trainBatches, 4);
  const noVal = await fitCounting({ max_epochs: 1, limit_val_batches: 0 });
  assert.equal(noVal.counts.validations, 0);
  await assert.rejects(
    fitCounting({ max_epochs: 1, limit_train_batches: 0.1 }),
    /You requested to check 0.1 of the `train_dataloader` but 0.1 \* 4 < 1/,
  );
});

test("fast_dev_run runs one batch of each loop, no sanity check, and writes no logs or checkpoints", async () => {
  const root = tempDir();
  const r = await fitCounting({
    fast_dev_run: true,
    default_root_dir: root,
    logger: true,
    enable_checkpointing: true,
    max_epochs: 5,
  });
  assert.deepEqual(r.counts, {
    validations: 1,
    sanityBatches: 0,
    valBatches: 1,
    trainBatches: 1,
    testBatches: 1,
  });
  assert.equal(r.trainer.globalStep, 1);
  assert.equal(r.trainer.loggers.length, 0);
  assert.deepEqual(readdirSync(root), []);
  const three = await fitCounting({ fast_dev_run: 3 });
  assert.deepEqual([three.counts.trainBatches, three.counts.valBatches, three.counts.testBatches], [3, 3, 3]);
});

test("max_steps stops in the middle of an epoch (5 steps of 4-batch epochs); max_epochs defaults to 1000 without max_steps", async () => {
  const r = await fitCounting({ max_steps: 5 });
  assert.equal(r.trainer.globalStep, 5);
  assert.equal(r.counts.trainBatches, 5);
  assert.equal(r.trainer.currentEpoch, 2, "the cut-short epoch counts as completed, as in Lightning");
  assert.equal(new Trainer({ ...QUIET }).maxEpochs, 1000);
  assert.equal(new Trainer({ ...QUIET, max_steps: 10 }).maxEpochs, -1);
});

test("num_sanity_val_steps: 2 batches by default, -1 all, 0 none", async () => {
  assert.equal((await fitCounting({ max_epochs: 1, num_sanity_val_steps: 2 })).counts.sanityBatches, 2);
  assert.equal((await fitCounting({ max_epochs: 1, num_sanity_val_steps: -1 })).counts.sanityBatches, 4);
  assert.equal((await fitCounting({ max_epochs: 1, num_sanity_val_steps: 0 })).counts.sanityBatches, 0);
});

test("overfit_batches uses the same n batches for training and validation, unshuffled", async () => {
  const r = await fitCounting({ max_epochs: 2, overfit_batches: 2 });
  assert.deepEqual([r.counts.trainBatches, r.counts.valBatches], [4, 4]);
  assert.equal(r.trainer.numTrainingBatches, 2);
});

test("log_every_n_steps sends every n-th step's row to the loggers", async () => {
  const data = regressionData(16);
  const logger = new MemoryLogger();
  const model = new LinearModule({ trainingStep: (m) => m.log("a", 1) });
  const trainer = new Trainer({ ...QUIET, logger, max_epochs: 1, log_every_n_steps: 2 });
  await trainer.fit(model, { trainDataloaders: loader(data, 4) });
  data.dispose();
  assert.deepEqual(
    logger.rows.map((r) => r.step),
    [1, 3],
  );
  assert.deepEqual(logger.finalized, ["success"]);
});

test("profiler 'simple' times each hook and batch", async () => {
  const r = await fitCounting({ max_epochs: 1, profiler: "simple" });
  const rows = new Map(r.trainer.profiler!.summary().map((s) => [s.action, s.calls]));
  assert.equal(rows.get("run_training_batch"), 4);
  assert.equal(rows.get("[LightningModule]LinearModule.trainingStep"), 4);
  assert.match(r.trainer.profiler!.report("fit"), /FIT Profiler Report[\s\S]*run_training_batch/);
});

test("detect_anomaly fails the step that produces a NaN loss, naming it", async () => {
  const data = regressionData(8);
  const model = new LinearModule();
  model.trainingStep = (batch: unknown) => model.loss(batch).mul(Number.NaN);
  const trainer = new Trainer({ ...QUIET, max_epochs: 1, detect_anomaly: true });
  await assert.rejects(
    trainer.fit(model, { trainDataloaders: loader(data, 4) }),
    /detect_anomaly: the loss is NaN at epoch 0, step 0/,
  );
  data.dispose();
});

test("num_threads sets libtorch's intra-op threads", () => {
  const before = torch.getNumThreads();
  new Trainer({ ...QUIET, num_threads: 1 });
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(before);
});

test("invalid flags fail at construction with the flag's name", () => {
  assert.throws(
    () => new Trainer({ max_epoch: 3 } as TrainerOptions),
    /unexpected keyword argument 'max_epoch'/,
  );
  assert.throws(() => new Trainer({ precision: "8" }), /Precision '8' is invalid/);
  assert.throws(() => new Trainer({ devices: 2, strategy: "single_device" }), /single device/);
  assert.throws(() => new Trainer({ gradient_clip_algorithm: "l2" as "norm" }), /gradient_clip_algorithm/);
  assert.throws(() => new Trainer({ accelerator: "tpu" }), /`XLAAccelerator` can not run on your system/);
  if (!torch.cuda.isAvailable()) {
    assert.throws(() => new Trainer({ accelerator: "gpu" }), /no CUDA GPU is available/);
  }
  assert.throws(
    () => new Trainer({ enable_checkpointing: false, callbacks: [], limit_val_batches: 2.5 }),
    /limit_val_batches=2.5/,
  );
});

test("max_time adds a Timer that stops fit once the time is up (and lifts the 1000-epoch default)", async () => {
  const r = await fitCounting({ max_time: { seconds: 0 } });
  assert.ok(r.trainer.globalStep <= 4, `stopped early, at step ${r.trainer.globalStep}`);
  assert.equal(r.trainer.maxEpochs, -1);
});
