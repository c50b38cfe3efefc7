// The recorded hook sequence of the fixture's tiny fit + test equals Lightning 2.6.6's (hooks.txt and
// hooks.not-overridden.txt), with hook names mapped from camelCase to snake_case.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LightningDataModule } from "../../../src/lightning/datamodule.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { RecorderCallback, recordMethods, TinyDataModule, TinyModule } from "./tiny.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/lightning");

const MODULE_HOOKS = [
  "backward", "configureCallbacks", "configureGradientClipping", "configureModel", "configureOptimizers",
  "lrSchedulerStep", "onAfterBackward", "onAfterBatchTransfer", "onBeforeBackward", "onBeforeBatchTransfer",
  "onBeforeOptimizerStep", "onBeforeZeroGrad", "onFitEnd", "onFitStart", "onLoadCheckpoint", "onPredictBatchEnd",
  "onPredictBatchStart", "onPredictEnd", "onPredictEpochEnd", "onPredictEpochStart", "onPredictModelEval",
  "onPredictStart", "onSaveCheckpoint", "onTestBatchEnd", "onTestBatchStart", "onTestEnd", "onTestEpochEnd",
  "onTestEpochStart", "onTestModelEval", "onTestModelTrain", "onTestStart", "onTrainBatchEnd",
  "onTrainBatchStart", "onTrainEnd", "onTrainEpochEnd", "onTrainEpochStart", "onTrainStart",
  "onValidationBatchEnd", "onValidationBatchStart", "onValidationEnd", "onValidationEpochEnd",
  "onValidationEpochStart", "onValidationModelEval", "onValidationModelTrain", "onValidationModelZeroGrad",
  "onValidationStart", "optimizerStep", "optimizerZeroGrad", "predictDataloader", "predictStep", "prepareData",
  "setup", "teardown", "testDataloader", "testStep", "trainDataloader", "trainingStep", "transferBatchToDevice",
  "valDataloader", "validationStep",
]; // biome-ignore format: a word list
const DM_HOOKS = [
  "loadStateDict", "onAfterBatchTransfer", "onBeforeBatchTransfer", "onException", "predictDataloader",
  "prepareData", "setup", "stateDict", "teardown", "testDataloader", "trainDataloader", "transferBatchToDevice",
  "valDataloader",
]; // biome-ignore format: a word list

/** Runs the fixture's fit + test and returns the recorded hook lines. */
async function record(overrideAll: boolean): Promise<string[]> {
  torch.manualSeed(42);
  const calls: string[] = [];
  const model = new TinyModule();
  const dm = new TinyDataModule();
  const dmObj = dm as unknown as Record<string, unknown>;
  if (overrideAll) {
    // Every hook counts as overridden: give the datamodule its own batch-transfer hooks and prepareData.
    dmObj.onBeforeBatchTransfer = (b: unknown) => b;
    dmObj.transferBatchToDevice = (b: unknown) => b;
    dmObj.onAfterBatchTransfer = (b: unknown) => b;
    dmObj.prepareData = () => {};
    const m = model as unknown as Record<string, unknown>;
    for (const name of ["prepareData", "configureModel", "onValidationModelTrain", "onTestModelTrain"]) {
      const base = m[name] as (...a: unknown[]) => unknown;
      m[name] = (...a: unknown[]) => base.apply(model, a);
    }
  }
  recordMethods(model, "module", MODULE_HOOKS, calls);
  recordMethods(dm, "datamodule", DM_HOOKS, calls);
  if (!overrideAll) {
    // Transparent recorders (Lightning's __wrapped__): is_overridden still sees the base methods.
    const m = model as unknown as Record<string, { __wrapped__?: unknown }>;
    const base = Object.getPrototypeOf(Object.getPrototypeOf(model)) as Record<string, unknown>;
    for (const name of ["prepareData", "configureModel", "onValidationModelTrain", "onTestModelTrain"]) {
      m[name]!.__wrapped__ = base[name];
    }
    const dmPrepare = dmObj.prepareData as { __wrapped__?: unknown };
    dmPrepare.__wrapped__ = LightningDataModule.prototype.prepareData;
  }
  const root = mkdtempSync(join(tmpdir(), "kiln-hooks-"));
  const trainer = new Trainer({
    max_epochs: 2,
    limit_train_batches: 3,
    limit_val_batches: 2,
    num_sanity_val_steps: 2,
    log_every_n_steps: 1,
    deterministic: true,
    enable_progress_bar: false,
    enable_model_summary: false,
    default_root_dir: root,
    callbacks: [new RecorderCallback(calls)],
  });
  await trainer.fit(model, { datamodule: dm });
  await trainer.test(model, { datamodule: dm, verbose: false });
  dm.dispose();
  model.dispose();
  return calls;
}

function fixtureLines(file: string): string[] {
  return readFileSync(join(FIXTURES, file), "utf8").trim().split("\n");
}

test("hook order of fit + test equals Lightning 2.6.6 (every hook overridden: hooks.txt)", async () => {
  const calls = await record(true);
  assert.deepEqual(calls, fixtureLines("hooks.txt"));
});

test("hook order when only the steps are overridden equals hooks.not-overridden.txt", async () => {
  const calls = await record(false);
  assert.deepEqual(calls, fixtureLines("hooks.not-overridden.txt"));
});
