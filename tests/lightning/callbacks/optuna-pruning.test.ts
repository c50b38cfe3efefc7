// OptunaPruningCallback inside a real Trainer.fit: the monitored metric goes to the trial after each validation
// (not the sanity check), and a pruned trial stops the fit with TrialPruned; a study ends the trial PRUNED.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OptunaPruningCallback } from "../../../src/lightning/callbacks/optuna-pruning.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import {
  createStudy,
  MedianPruner,
  setVerbosity,
  TrialPruned,
  TrialState,
} from "../../../src/optuna/index.js";
import * as torch from "../../../src/torch/index.js";
import { TinyDataModule, TinyModule } from "../trainer/tiny.js";

setVerbosity(40);

function trainer(callback: OptunaPruningCallback, maxEpochs = 4): Trainer {
  return new Trainer({
    max_epochs: maxEpochs,
    logger: false,
    enable_checkpointing: false,
    enable_progress_bar: false,
    enable_model_summary: false,
    num_sanity_val_steps: 1,
    callbacks: [callback],
  });
}

test("reports the monitored metric per epoch and stops the fit when the pruner says so", async () => {
  torch.manualSeed(0);
  const reports: [number, number][] = [];
  const trial = {
    report: (value: number, step: number) => {
      reports.push([value, step]);
    },
    shouldPrune: async () => reports.length === 2,
  };
  const t = trainer(new OptunaPruningCallback({ trial, monitor: "val/loss" }));
  await assert.rejects(t.fit(new TinyModule(), { datamodule: new TinyDataModule() }), (e: unknown) => {
    assert.ok(e instanceof TrialPruned);
    assert.equal((e as Error).message, "Trial was pruned at epoch 1.");
    return true;
  });
  assert.deepEqual(
    reports.map(([, step]) => step),
    [0, 1],
    "one report per validation after the sanity check, at the epoch",
  );
  assert.ok(reports.every(([v]) => Number.isFinite(v)));
});

test("with a study: the trial records the curve and ends PRUNED when its values lag the median", async () => {
  torch.manualSeed(0);
  const pruning = createStudy({ direction: "minimize", pruner: new MedianPruner({ nStartupTrials: 1 }) });
  const g = pruning.ask();
  for (let step = 0; step < 4; step++) g.report(0.01, step);
  pruning.tell(g, 0.01);
  const trial = pruning.ask();
  const t = trainer(new OptunaPruningCallback({ trial, monitor: "val/loss" }));
  try {
    await t.fit(new TinyModule(), { datamodule: new TinyDataModule() });
    assert.fail("the fit should have been pruned");
  } catch (e) {
    assert.ok(e instanceof TrialPruned);
    pruning.tell(trial, null, TrialState.PRUNED);
  }
  const frozen = pruning.trials[1];
  assert.equal(frozen.state, TrialState.PRUNED);
  assert.deepEqual([...frozen.intermediateValues.keys()], [0]);
  assert.equal(frozen.values![0], frozen.intermediateValues.get(0));
});

test("an unknown metric is warned about and nothing is reported", async () => {
  torch.manualSeed(0);
  let reported = 0;
  const trial = { report: () => void reported++, shouldPrune: () => false };
  await trainer(new OptunaPruningCallback({ trial, monitor: "val/nope" }), 1).fit(new TinyModule(), {
    datamodule: new TinyDataModule(),
  });
  assert.equal(reported, 0);
});
