// The fixture script of fixtures/lightning (README §3) run through Kiln's Trainer: the CSV logger's files
// are byte-identical to Lightning 2.6.6's, TensorBoard holds the same scalars, and the default checkpoint
// has Lightning's content (keys, loops, callback state, optimizer state, hparams) and the same values.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CSVLogger } from "../../../src/lightning/loggers/csv.js";
import { TensorBoardLogger } from "../../../src/lightning/loggers/tensorboard/logger.js";
import { readRun } from "../../../src/lightning/loggers/tensorboard/reader.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { TinyDataModule, TinyModule } from "./tiny.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/lightning");

async function fixtureRun(): Promise<{ out: string; trainer: Trainer }> {
  torch.manualSeed(42);
  const out = mkdtempSync(join(tmpdir(), "kiln-fixture-run-"));
  const model = new TinyModule();
  const dm = new TinyDataModule();
  const trainer = new Trainer({
    max_epochs: 2,
    limit_train_batches: 3,
    limit_val_batches: 2,
    num_sanity_val_steps: 2,
    log_every_n_steps: 1,
    deterministic: true,
    enable_progress_bar: false,
    enable_model_summary: false,
    logger: [
      new CSVLogger({ save_dir: out, name: "csv" }),
      new TensorBoardLogger({ save_dir: out, name: "tb" }),
    ],
  });
  await trainer.fit(model, { datamodule: dm });
  await trainer.test(model, { datamodule: dm, verbose: false });
  dm.dispose();
  model.dispose();
  return { out, trainer };
}

const run = fixtureRun();

test("metrics.csv and hparams.yaml are byte-identical to Lightning's", async () => {
  const { out } = await run;
  for (const file of ["metrics.csv", "hparams.yaml"]) {
    const ours = readFileSync(join(out, "csv/version_0", file), "utf8");
    const theirs = readFileSync(join(FIXTURES, "csv/version_0", file), "utf8");
    assert.equal(ours, theirs, file);
  }
});

test("TensorBoard event files hold Lightning's scalars at the same steps (two files: fit and test)", async () => {
  const { out } = await run;
  const ours = readRun(join(out, "tb/version_0"));
  const theirs = readRun(join(FIXTURES, "tb/version_0"));
  assert.equal(ours.files.length, 2);
  assert.deepEqual([...ours.scalars.keys()].sort(), [...theirs.scalars.keys()].sort());
  for (const [tag, series] of theirs.scalars) {
    const mine = ours.scalars.get(tag)!;
    assert.deepEqual(
      mine.map((p) => [p.step, p.value]),
      series.map((p) => [p.step, p.value]),
      tag,
    );
  }
});

test("the default checkpoint has Lightning's keys, loops, callback state and values (tiny.ckpt)", async () => {
  const { out, trainer } = await run;
  const dir = join(out, "csv/version_0/checkpoints");
  assert.deepEqual(readdirSync(dir), ["epoch=1-step=6.ckpt"]);
  const ours = torch.load(join(dir, "epoch=1-step=6.ckpt")) as Record<string, unknown>;
  const theirs = torch.load(join(FIXTURES, "tiny.ckpt")) as Record<string, unknown>;
  assert.deepEqual(Object.keys(ours).slice(0, 10), Object.keys(theirs));
  assert.deepEqual(Object.keys(ours).slice(10), ["rng_states"]);
  for (const key of [
    "epoch",
    "global_step",
    "pytorch-lightning_version",
    "loops",
    "lr_schedulers",
    "hparams_name",
  ]) {
    assert.deepEqual(ours[key], theirs[key], key);
  }
  assert.deepEqual(
    JSON.parse(JSON.stringify(ours.hyper_parameters)),
    JSON.parse(JSON.stringify(theirs.hyper_parameters)),
  );
  const cbKey = Object.keys(theirs.callbacks as object)[0]!;
  assert.deepEqual(Object.keys(ours.callbacks as object), [cbKey]);
  assert.equal(trainer.checkpointCallback !== null, true);
  const sd = (x: Record<string, unknown>) => x.state_dict as Record<string, torch.Tensor>;
  for (const [name, t] of Object.entries(sd(theirs))) {
    assert.ok(torch.equal(sd(ours)[name]!, t), `state_dict ${name} (bitwise)`);
  }
});
