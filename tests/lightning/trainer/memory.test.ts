// docs/ARCHITECTURE.md ("Facts"): Node runs no finalizer inside a synchronous loop, so the trainer must free every tensor a
// step creates. The live-tensor count after each epoch of a 20-epoch fit (with validation, logging and a
// checkpoint every epoch) stays what it was after the first epoch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { CSVLogger } from "../../../src/lightning/loggers/csv.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { tempDir } from "./helpers.js";
import { TinyDataModule, TinyModule } from "./tiny.js";

class LiveTensorProbe extends Callback {
  counts: number[] = [];
  override onTrainEpochEnd() {
    this.counts.push(torch.memoryStats().liveTensors);
  }
}

test("live tensors after each of 20 epochs equal the count after epoch 1", async () => {
  torch.manualSeed(1);
  const root = tempDir();
  const probe = new LiveTensorProbe();
  const model = new TinyModule();
  const dm = new TinyDataModule();
  const trainer = new Trainer({
    max_epochs: 20,
    enable_progress_bar: false,
    enable_model_summary: false,
    default_root_dir: root,
    logger: new CSVLogger({ save_dir: root }),
    callbacks: [probe],
  });
  await trainer.fit(model, { datamodule: dm });
  await trainer.test(model, { datamodule: dm, verbose: false });
  assert.equal(probe.counts.length, 20);
  assert.deepEqual(probe.counts, new Array(20).fill(probe.counts[0]));
  const afterTest = torch.memoryStats().liveTensors;
  assert.ok(afterTest <= probe.counts[0]!, "fit's end and test() free their tensors too");
  dm.dispose();
  model.dispose();
});
