// GradientAccumulationScheduler, DeviceStatsMonitor and BasePredictionWriter as Lightning's: the schedule's
// factors by epoch and the optimizer steps they give, its errors; device stats under Lightning's keys at the
// logging steps; prediction writers called per batch, per epoch or both, with batch indices; the Python names.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiate } from "../../../src/config/index.js";
import {
  BasePredictionWriter,
  DeviceStatsMonitor,
  GradientAccumulationScheduler,
  MisconfigurationError,
} from "../../../src/lightning/callbacks/index.js";
import type { LightningModule } from "../../../src/lightning/module.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { registerKilnTargets } from "../../../src/utils/targets.js";
import { LinearModule, loader, MemoryLogger, QUIET, regressionData } from "../trainer/helpers.js";

test("GradientAccumulationScheduler: factors by epoch, as Lightning's get_accumulate_grad_batches", () => {
  const s = new GradientAccumulationScheduler({ scheduling: { "4": 2, 8: 4 } });
  assert.deepEqual(s.epochs, [0, 4, 8]);
  assert.deepEqual(
    [0, 3, 4, 7, 8, 20].map((e) => s.getAccumulateGradBatches(e)),
    [1, 1, 2, 2, 4, 4],
  );
  assert.throws(
    () => new GradientAccumulationScheduler({ scheduling: {} }),
    /Empty dict cannot be interpreted correct/,
  );
  assert.throws(
    () => new GradientAccumulationScheduler({ scheduling: { "-1": 2 } }),
    (e: Error) =>
      e instanceof MisconfigurationError &&
      /Epoch should be an int greater than or equal to 0/.test(e.message),
  );
  assert.throws(
    () => new GradientAccumulationScheduler({ scheduling: { 0: 0 } }),
    /Accumulation factor should be an int greater than 0. Got \[0\]/,
  );
});

test("GradientAccumulationScheduler changes the optimizer steps per epoch in a fit", async () => {
  const data = regressionData(8);
  try {
    const model = new LinearModule();
    const steps: number[] = [];
    const trainer = new Trainer({
      ...QUIET,
      max_epochs: 3,
      callbacks: [new GradientAccumulationScheduler({ scheduling: { 1: 2, 2: 4 } })],
    });
    model.onTrainEpochEnd = () => {
      steps.push(trainer.globalStep);
    };
    await trainer.fit(model, { trainDataloaders: loader(data, 2) });
    // 4 batches per epoch: 4 steps, then 2, then 1.
    assert.deepEqual(steps, [4, 6, 7]);
    const clash = new Trainer({
      ...QUIET,
      max_epochs: 1,
      accumulate_grad_batches: 2,
      callbacks: [new GradientAccumulationScheduler({ scheduling: { 0: 2 } })],
    });
    await assert.rejects(
      clash.fit(new LinearModule(), { trainDataloaders: loader(data, 2) }),
      /You have set `accumulate_grad_batches` and are using the `GradientAccumulationScheduler`/,
    );
  } finally {
    data.dispose();
  }
});

test("DeviceStatsMonitor logs Lightning's CPU keys at the logging steps, and needs a logger", async () => {
  const data = regressionData(8);
  try {
    const logger = new MemoryLogger();
    const trainer = new Trainer({
      ...QUIET,
      logger,
      max_epochs: 1,
      log_every_n_steps: 2,
      callbacks: [new DeviceStatsMonitor()],
    });
    await trainer.fit(new LinearModule(), {
      trainDataloaders: loader(data, 2),
      valDataloaders: loader(data, 4),
    });
    const keys = new Set(logger.rows.flatMap((r) => Object.keys(r.metrics)));
    for (const hook of ["on_train_batch_start", "on_train_batch_end"]) {
      for (const stat of ["cpu_vm_percent", "cpu_percent", "cpu_swap_percent", "cpu_rss_mb"]) {
        assert.ok(keys.has(`DeviceStatsMonitor.${hook}/${stat}`), `DeviceStatsMonitor.${hook}/${stat}`);
      }
    }
    const trainRows = logger.rows.filter(
      (r) => "DeviceStatsMonitor.on_train_batch_end/cpu_percent" in r.metrics,
    );
    assert.deepEqual(
      trainRows.map((r) => r.step),
      [1, 3],
      "only where (batches_that_stepped + 1) % 2 == 0",
    );
    const rss = trainRows[0]!.metrics["DeviceStatsMonitor.on_train_batch_end/cpu_rss_mb"]!;
    assert.ok(rss > 10 && rss < 1e6, `RSS ${rss} MiB`);
    const noLogger = new Trainer({ ...QUIET, max_epochs: 1, callbacks: [new DeviceStatsMonitor()] });
    await assert.rejects(
      noLogger.fit(new LinearModule(), { trainDataloaders: loader(data, 2) }),
      /Cannot use `DeviceStatsMonitor` callback with `Trainer\(logger=False\)`/,
    );
    const off = new MemoryLogger();
    await new Trainer({
      ...QUIET,
      logger: off,
      max_epochs: 1,
      callbacks: [new DeviceStatsMonitor({ cpu_stats: false })],
    }).fit(new LinearModule(), { trainDataloaders: loader(data, 2) });
    assert.equal(
      off.rows.filter((r) => Object.keys(r.metrics).some((k) => k.startsWith("DeviceStatsMonitor"))).length,
      0,
    );
  } finally {
    data.dispose();
  }
});

test("DeviceStatsMonitor on CUDA logs torch.cuda.memory_stats' keys (and the CPU's with cpu_stats)", async (t) => {
  if (!torch.cuda.isAvailable()) {
    t.skip("CUDA not available (CPU-only libtorch or no visible GPU)");
    return;
  }
  const data = regressionData(8);
  try {
    const logger = new MemoryLogger();
    await new Trainer({
      ...QUIET,
      accelerator: "gpu",
      logger,
      max_epochs: 1,
      log_every_n_steps: 1,
      callbacks: [new DeviceStatsMonitor({ cpu_stats: true })],
    }).fit(new LinearModule(), { trainDataloaders: loader(data, 2) });
    const row = logger.rows.find((r) => "DeviceStatsMonitor.on_train_batch_end/cpu_percent" in r.metrics);
    assert.ok(row, "a row with the monitor's figures");
    const prefix = "DeviceStatsMonitor.on_train_batch_end/";
    for (const stat of [
      "allocated_bytes.all.current",
      "reserved_bytes.all.peak",
      "num_alloc_retries",
      "num_ooms",
    ]) {
      assert.ok(prefix + stat in row.metrics, prefix + stat);
    }
    assert.ok(
      row.metrics[`${prefix}allocated_bytes.all.current`]! > 0,
      "the model's parameters are on the GPU",
    );
  } finally {
    data.dispose();
  }
});

class RecordingWriter extends BasePredictionWriter {
  batches: { indices: number[] | null; batchIdx: number; size: number }[] = [];
  epochs: { count: number; indices: unknown[] }[] = [];
  override writeOnBatchEnd(
    _t: Trainer,
    _m: LightningModule,
    prediction: unknown,
    indices: number[] | null,
    _b: unknown,
    batchIdx: number,
  ) {
    this.batches.push({ indices, batchIdx, size: (prediction as { shape: number[] }).shape[0]! });
  }
  override writeOnEpochEnd(_t: Trainer, _m: LightningModule, predictions: unknown[], indices: unknown[]) {
    this.epochs.push({ count: predictions.length, indices });
  }
}

test("BasePredictionWriter writes per batch, per epoch or both, with the batch indices", async () => {
  const data = regressionData(5);
  try {
    for (const interval of ["batch", "epoch", "batch_and_epoch"] as const) {
      const writer = new RecordingWriter(interval);
      const trainer = new Trainer({ ...QUIET, callbacks: [writer] });
      await trainer.predict(new LinearModule(), { dataloaders: loader(data, 2) });
      const perBatch = interval !== "epoch";
      assert.deepEqual(
        writer.batches.map((b) => b.indices),
        perBatch ? [[0, 1], [2, 3], [4]] : [],
        interval,
      );
      assert.deepEqual(
        writer.epochs,
        interval === "batch" ? [] : [{ count: 3, indices: [[0, 1], [2, 3], [4]] }],
        interval,
      );
    }
    assert.throws(
      () => new RecordingWriter("step" as "batch"),
      /`write_interval` should be one of \['batch', 'epoch', 'batch_and_epoch'\]/,
    );
    class EpochOnly extends BasePredictionWriter {}
    await assert.rejects(
      new Trainer({ ...QUIET, callbacks: [new EpochOnly()] }).predict(new LinearModule(), {
        dataloaders: loader(data, 2),
      }),
      /EpochOnly\.writeOnBatchEnd is not implemented/,
    );
  } finally {
    data.dispose();
  }
});

test("the callbacks instantiate from their Lightning names", async () => {
  registerKilnTargets();
  const cbs = (await instantiate([
    { _target_: "lightning.pytorch.callbacks.DeviceStatsMonitor", cpu_stats: true },
    { _target_: "lightning.pytorch.callbacks.GradientAccumulationScheduler", scheduling: { 2: 3 } },
  ])) as unknown[];
  assert.ok(cbs[0] instanceof DeviceStatsMonitor);
  assert.equal((cbs[0] as DeviceStatsMonitor).cpuStats, true);
  assert.ok(cbs[1] instanceof GradientAccumulationScheduler);
  assert.equal((cbs[1] as GradientAccumulationScheduler).getAccumulateGradBatches(2), 3);
});
