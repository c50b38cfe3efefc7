// self.log semantics as a table: hook × on_step/on_epoch options → the keys loggers, callbacks and the
// progress bar receive (Lightning 2.x's defaults per hook, `_step`/`_epoch` suffixes), plus reductions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import type { LogOptions } from "../../../src/lightning/trainer/types.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, MemoryLogger, QUIET, regressionData } from "./helpers.js";

interface Case {
  hook: string;
  options: LogOptions;
  logged: string[];
  callback: string[];
  pbar?: string[];
  stage?: "fit" | "test";
}

const CASES: Case[] = [
  { hook: "trainingStep", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "trainingStep", options: { onEpoch: true }, logged: ["a_epoch", "a_step"], callback: ["a", "a_epoch", "a_step"] },
  { hook: "trainingStep", options: { onStep: false, onEpoch: true }, logged: ["a"], callback: ["a"] },
  { hook: "trainingStep", options: { onStep: false, onEpoch: false }, logged: [], callback: [] },
  { hook: "trainingStep", options: { logger: false }, logged: [], callback: ["a"] },
  { hook: "trainingStep", options: { progBar: true }, logged: ["a"], callback: ["a"], pbar: ["a"] },
  { hook: "trainingStep", options: { progBar: true, onEpoch: true }, logged: ["a_epoch", "a_step"], callback: ["a", "a_epoch", "a_step"], pbar: ["a_epoch", "a_step"] },
  { hook: "onTrainBatchEnd", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "onTrainBatchStart", options: { onEpoch: true }, logged: ["a_epoch", "a_step"], callback: ["a", "a_epoch", "a_step"] },
  { hook: "onTrainEpochStart", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "onTrainEpochEnd", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "validationStep", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "validationStep", options: { onStep: true }, logged: ["a_epoch", "a_step"], callback: ["a", "a_epoch"] },
  { hook: "validationStep", options: { onStep: true, onEpoch: false }, logged: ["a"], callback: [] },
  { hook: "onValidationBatchEnd", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "onValidationEpochEnd", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "onValidationEpochStart", options: {}, logged: ["a"], callback: ["a"] },
  { hook: "testStep", options: {}, logged: ["a"], callback: ["a"], stage: "test" },
  { hook: "testStep", options: { onStep: true }, logged: ["a_epoch", "a_step"], callback: ["a", "a_epoch"], stage: "test" },
  { hook: "onTestEpochEnd", options: {}, logged: ["a"], callback: ["a"], stage: "test" },
]; // biome-ignore format: a table

const SIZES = [4, 4, 2];

async function runCase(
  hook: string,
  options: LogOptions,
  stage: "fit" | "test" = "fit",
  value?: (i: number) => unknown,
) {
  const data = regressionData(10);
  const logger = new MemoryLogger();
  const model = new LinearModule({
    [hook]: (m, i) => m.log("a", (value ? value(i) : (SIZES[i] ?? 1)) as number, options),
  });
  const trainer = new Trainer({ ...QUIET, logger, max_epochs: 1, log_every_n_steps: 1 });
  const loaders = { trainDataloaders: loader(data, 4), valDataloaders: loader(data, 4) };
  try {
    if (stage === "fit") await trainer.fit(model, loaders);
    else await trainer.test(model, { dataloaders: loader(data, 4), verbose: false });
  } finally {
    data.dispose();
  }
  const logged = [...new Set(logger.rows.flatMap((r) => Object.keys(r.metrics)))]
    .filter((k) => k.startsWith("a"))
    .sort();
  const callback = Object.keys(trainer.callbackMetrics)
    .filter((k) => k.startsWith("a"))
    .sort();
  const pbar = Object.keys(trainer.progressBarMetrics)
    .filter((k) => k.startsWith("a"))
    .sort();
  return { logged, callback, pbar, trainer, logger };
}

for (const c of CASES) {
  test(`self.log in ${c.hook} with ${JSON.stringify(c.options)} → logged ${JSON.stringify(c.logged)}`, async () => {
    const r = await runCase(c.hook, c.options, c.stage);
    assert.deepEqual(r.logged, c.logged, "logger keys");
    assert.deepEqual(r.callback, c.callback, "callbackMetrics keys");
    assert.deepEqual(r.pbar, c.pbar ?? [], "progressBarMetrics keys");
  });
}

test("epoch values are batch-size-weighted means (4,4,2 → 3.6); batchSize overrides the inferred size", async () => {
  const weighted = await runCase("validationStep", {});
  assert.equal(weighted.trainer.callbackMetrics.a, Math.fround(3.6));
  const plain = await runCase("validationStep", { batchSize: 1 });
  assert.equal(plain.trainer.callbackMetrics.a, Math.fround(10 / 3));
});

test("reduceFx sum, max and min reduce the step values of an epoch", async () => {
  for (const [fx, expected] of [
    ["sum", 6],
    ["max", 3],
    ["min", 1],
  ] as const) {
    const r = await runCase(
      "trainingStep",
      { onStep: false, onEpoch: true, reduceFx: fx },
      "fit",
      (i) => i + 1,
    );
    assert.equal(r.trainer.callbackMetrics.a, expected, fx);
  }
});

test("step rows carry the optimizer step; the epoch row carries the epoch's last step and `epoch`", async () => {
  const r = await runCase("trainingStep", { onEpoch: true });
  const rows = r.logger.rows.map((row) => [row.step, Object.keys(row.metrics).sort().join(",")]);
  assert.deepEqual(rows, [
    [0, "a_step,epoch"],
    [1, "a_step,epoch"],
    [2, "a_step,epoch"],
    [2, "a_epoch,epoch"],
  ]);
});

test("a metric object is computed at epoch end and then reset", async () => {
  let resets = 0;
  let updates = 0;
  const metric = {
    compute: () => updates * 10,
    reset: () => {
      resets++;
      updates = 0;
    },
  };
  const r = await runCase("trainingStep", { onStep: false, onEpoch: true }, "fit", () => {
    updates++;
    return metric;
  });
  assert.equal(r.trainer.callbackMetrics.a, 30);
  assert.ok(resets >= 1);
  assert.equal(updates, 0, "reset after the epoch");
});

test("tensors are logged as numbers; multi-element tensors are rejected", async () => {
  const r = await runCase("trainingStep", {}, "fit", (i) => torch.tensor([i + 0.5]));
  assert.equal(r.trainer.callbackMetrics.a, 2.5);
  await assert.rejects(
    runCase("trainingStep", {}, "fit", () => torch.tensor([1, 2])),
    /must have a single element/,
  );
});

test("invalid hook/option combinations raise Lightning's errors", async () => {
  await assert.rejects(
    runCase("onTrainEpochEnd", { onStep: true }),
    /You can't `self.log\(a, onStep=true\)` inside `onTrainEpochEnd`/,
  );
  await assert.rejects(runCase("onFitStart", {}), /You can't `self.log\(\)` inside `onFitStart`/);
  const data = regressionData(8);
  const model = new LinearModule({
    trainingStep: (m) => {
      m.log("a", 1);
      m.log("a", 1, { progBar: true });
    },
  });
  const trainer = new Trainer({ ...QUIET, max_epochs: 1 });
  await assert.rejects(
    trainer.fit(model, { trainDataloaders: loader(data, 4) }),
    /You called `self.log\(a, ...\)` twice in `trainingStep` with different arguments/,
  );
  data.dispose();
});

test("torchmetrics-style objects (MeanMetric) log their forward value per step and compute() per epoch", async () => {
  const { MeanMetric } = await import("../../../src/lightning/metrics/index.js");
  const metric = new MeanMetric();
  const data = regressionData(10);
  const logger = new MemoryLogger();
  const model = new LinearModule({
    trainingStep: (m, i) => {
      metric.forward(torch.tensor([i + 1, i + 1]));
      m.log("mean", metric, { onEpoch: true });
    },
  });
  const before = torch.memoryStats().liveTensors;
  const trainer = new Trainer({ ...QUIET, logger, max_epochs: 2, log_every_n_steps: 1 });
  await trainer.fit(model, { trainDataloaders: loader(data, 4) });
  const steps = logger.rows.filter((r) => "mean_step" in r.metrics).map((r) => r.metrics.mean_step);
  const epochs = logger.rows.filter((r) => "mean_epoch" in r.metrics).map((r) => r.metrics.mean_epoch);
  assert.deepEqual(steps, [1, 2, 3, 1, 2, 3]);
  assert.deepEqual(epochs, [2, 2], "computed over the epoch, then reset");
  data.dispose();
  assert.ok(torch.memoryStats().liveTensors <= before + 8, "no per-step leak");
});
