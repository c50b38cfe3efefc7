// ModelCheckpoint driven by a plain-object trainer: top-k bookkeeping and file removal, save_last, every_n_*,
// version suffixes, state dict (as in Lightning's tiny.ckpt fixture), dirpath resolution and errors.
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import { ModelCheckpoint } from "../../../src/lightning/callbacks/model-checkpoint.js";
import { scalarValue } from "../../../src/lightning/callbacks/scalar-state.js";
import { fakeTrainer, runEpoch, tempDir } from "./fake-trainer.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/lightning.json", import.meta.url), "utf8")) as {
  checkpoint_state_key: string;
  checkpoint_state_key_steps: string;
};

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

async function fit(cb: ModelCheckpoint, losses: (number | null)[], overrides = {}) {
  const trainer = fakeTrainer(overrides);
  cb.setup(trainer, null, "fit");
  cb.onTrainStart();
  for (const loss of losses) await runEpoch(cb, trainer, loss === null ? {} : { "val/loss": loss });
  await cb.onTrainEnd(trainer);
  return trainer;
}

test("top-k by a monitored metric: keeps the best k files, deletes the others after the new one exists", async () => {
  const dir = tempDir();
  const cb = new ModelCheckpoint({
    dirpath: dir,
    filename: "epoch_{epoch:03d}",
    monitor: "val/loss",
    mode: "min",
    save_top_k: 2,
    save_last: true,
    auto_insert_metric_name: false,
  });
  const seenAtSave: string[][] = [];
  const trainer = await fit(cb, [0.5, 0.4, 0.6, 0.3], { beforeSave: () => seenAtSave.push(files(dir)) });
  assert.deepEqual(files(dir), ["epoch_001.ckpt", "epoch_003.ckpt", "last.ckpt"]);
  assert.equal(cb.bestModelPath, join(dir, "epoch_003.ckpt"));
  assert.equal(cb.bestModelScore, Math.fround(0.3));
  assert.equal(cb.kthBestModelPath, join(dir, "epoch_001.ckpt"));
  assert.equal(cb.kthValue, Math.fround(0.4));
  assert.deepEqual(cb.bestKModels, {
    [join(dir, "epoch_001.ckpt")]: Math.fround(0.4),
    [join(dir, "epoch_003.ckpt")]: Math.fround(0.3),
  });
  assert.equal(cb.lastModelPath, join(dir, "last.ckpt"));
  // Epoch 2 (0.6) was not in the top 2: neither a top-k file nor last.ckpt was written then.
  assert.deepEqual(
    trainer.saves.map((s) => s.path.slice(dir.length + 1)),
    ["epoch_000.ckpt", "last.ckpt", "epoch_001.ckpt", "last.ckpt", "epoch_003.ckpt", "last.ckpt"],
  );
  // When epoch_003 was being written, epoch_000 (the file it replaces) still existed.
  assert.ok(seenAtSave[4]!.includes("epoch_000.ckpt"));
});

test("mode max keeps the largest; NaN scores count as the worst", async () => {
  const dir = tempDir();
  const cb = new ModelCheckpoint({
    dirpath: dir,
    monitor: "val/loss",
    mode: "max",
    save_top_k: 1,
    filename: "{epoch}",
  });
  await fit(cb, [0.2, Number.NaN, 0.7, 0.5]);
  assert.deepEqual(files(dir), ["epoch=2.ckpt"]);
  assert.equal(cb.bestModelScore, Math.fround(0.7));
});

test("save_top_k=-1 keeps every checkpoint; without a monitor save_top_k=1 keeps only the latest", async () => {
  const all = tempDir();
  await fit(new ModelCheckpoint({ dirpath: all, monitor: "val/loss", save_top_k: -1 }), [0.3, 0.2, 0.1]);
  assert.deepEqual(files(all), ["epoch=0-step=4.ckpt", "epoch=1-step=8.ckpt", "epoch=2-step=12.ckpt"]);
  const latest = tempDir();
  const cb = new ModelCheckpoint({ dirpath: latest });
  await fit(cb, [null, null, null]);
  assert.deepEqual(files(latest), ["epoch=2-step=12.ckpt"]);
  assert.equal(cb.bestModelPath, join(latest, "epoch=2-step=12.ckpt"));
  assert.equal(cb.bestModelScore, null);
});

test("every_n_epochs and every_n_train_steps decide when to save", async () => {
  const byEpoch = tempDir();
  const t1 = await fit(new ModelCheckpoint({ dirpath: byEpoch, every_n_epochs: 2, save_top_k: -1 }), [
    null,
    null,
    null,
    null,
  ]);
  assert.deepEqual(files(byEpoch), ["epoch=1-step=8.ckpt", "epoch=3-step=16.ckpt"]);
  assert.equal(t1.saves.length, 2);
  const bySteps = tempDir();
  await fit(new ModelCheckpoint({ dirpath: bySteps, every_n_train_steps: 3, save_top_k: -1 }), [null, null]);
  assert.deepEqual(files(bySteps), ["epoch=0-step=3.ckpt", "epoch=1-step=6.ckpt"]);
  assert.throws(
    () => new ModelCheckpoint({ every_n_epochs: 1, every_n_train_steps: 5 }),
    /every_n_train_steps=5, every_n_epochs=1 and train_time_interval=None should be mutually exclusive/,
  );
});

test("every_n_train_steps with a validation metric waits for validation", async () => {
  const dir = tempDir();
  const cb = new ModelCheckpoint({
    dirpath: dir,
    every_n_train_steps: 2,
    monitor: "val/loss",
    save_top_k: -1,
    save_on_train_epoch_end: false,
  });
  await fit(cb, [0.5, 0.4], { numTrainingBatches: 4 });
  // Epoch 0: steps 2 and 4 have no val/loss yet, so the save waits for validation's end. Epoch 1: step 6
  // uses epoch 0's value; step 8 is the last batch before validation, so it waits for the fresh value.
  assert.deepEqual(files(dir), ["epoch=0-step=4.ckpt", "epoch=1-step=6.ckpt", "epoch=1-step=8.ckpt"]);
  assert.equal(cb.bestKModels[join(dir, "epoch=1-step=8.ckpt")], Math.fround(0.4));
});

test("a name that exists gets -v1, -v2; the folder warning names the folder", async () => {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "epoch=0.ckpt"), "old");
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  await fit(
    new ModelCheckpoint({ dirpath: dir, filename: "{epoch}", save_top_k: -1, monitor: "val/loss" }),
    [1],
  );
  await new Promise((r) => setImmediate(r));
  process.off("warning", onWarning);
  assert.deepEqual(files(dir), ["epoch=0-v1.ckpt", "epoch=0.ckpt"]);
  assert.equal(readFileSync(join(dir, "epoch=0.ckpt"), "utf8"), "old");
  assert.ok(warnings.includes(`Checkpoint directory ${dir} exists and is not empty.`), warnings.join("\n"));
});

test("a `/` in a metric name makes a sub-folder, as in Lightning", async () => {
  const dir = tempDir();
  await fit(
    new ModelCheckpoint({ dirpath: dir, monitor: "val/loss", filename: "{epoch}-{val/loss:.2f}" }),
    [0.25],
  );
  assert.deepEqual(files(join(dir, "epoch=0-val")), ["loss=0.25.ckpt"]);
});

test("save_last='link' points last.ckpt at the newest checkpoint with a relative link", async () => {
  const dir = tempDir();
  const cb = new ModelCheckpoint({
    dirpath: dir,
    save_last: "link",
    monitor: "val/loss",
    filename: "{epoch}",
  });
  await fit(cb, [0.5, 0.4]);
  const last = join(dir, "last.ckpt");
  assert.ok(lstatSync(last).isSymbolicLink());
  assert.equal(readlinkSync(last), "epoch=1.ckpt");
  assert.deepEqual(files(dir), ["epoch=1.ckpt", "last.ckpt"]);
});

test("nothing is saved in fast_dev_run, sanity checking, or outside fit", async () => {
  for (const overrides of [
    { fastDevRun: 1 },
    { sanityChecking: true },
    { state: { fn: "validate", stage: "validate" } },
  ]) {
    const dir = tempDir();
    const trainer = await fit(new ModelCheckpoint({ dirpath: dir, save_last: true }), [0.1], overrides);
    assert.equal(trainer.saves.length, 0, JSON.stringify(overrides));
  }
});

test("a monitor that was never logged: warning before validation has run, error after", async () => {
  const dir = tempDir();
  const early = new ModelCheckpoint({ dirpath: dir, monitor: "val/acc", save_on_train_epoch_end: true });
  const trainer = fakeTrainer({ numValBatches: [0] });
  early.setup(trainer, null, "fit");
  await runEpoch(early, trainer, null);
  assert.equal(trainer.saves.length, 0);
  const late = new ModelCheckpoint({ dirpath: tempDir(), monitor: "val/acc" });
  const t2 = fakeTrainer();
  late.setup(t2, null, "fit");
  await assert.rejects(
    runEpoch(late, t2, { "val/loss": 1 }),
    /`ModelCheckpoint\(monitor='val\/acc'\)` could not find the monitored key in the returned metrics: \['val\/loss', 'epoch', 'step'\]\. HINT: Did you call `log\('val\/acc', value\)`/,
  );
});

test("dirpath defaults to the first logger's save_dir/name/version/checkpoints, else default_root_dir", () => {
  const logger = { saveDir: "logs", name: "csv", version: 0, logMetrics() {} };
  const cb = new ModelCheckpoint();
  cb.setup(fakeTrainer({ loggers: [logger] }), null, "fit");
  assert.equal(cb.dirpath, "logs/csv/version_0/checkpoints");
  const named = new ModelCheckpoint();
  named.setup(fakeTrainer({ loggers: [{ ...logger, version: "run-7" }] }), null, "fit");
  assert.equal(named.dirpath, "logs/csv/run-7/checkpoints");
  const bare = new ModelCheckpoint();
  bare.setup(fakeTrainer({ defaultRootDir: "/work/out" }), null, "fit");
  assert.equal(bare.dirpath, "/work/out/checkpoints");
});

test("state dict has Lightning's keys and state key; loading restores it for the same dirpath", async () => {
  const dir = tempDir();
  const cb = new ModelCheckpoint({ dirpath: dir, monitor: "val/acc", mode: "max", save_last: true });
  assert.equal(cb.stateKey, fixture.checkpoint_state_key);
  assert.equal(
    new ModelCheckpoint({ every_n_train_steps: 100 }).stateKey,
    fixture.checkpoint_state_key_steps,
  );
  const trainer = fakeTrainer();
  cb.setup(trainer, null, "fit");
  await runEpoch(cb, trainer, { "val/acc": 0.75 });
  const state = cb.stateDict();
  assert.deepEqual(Object.keys(state), [
    "monitor",
    "best_model_score",
    "best_model_path",
    "current_score",
    "dirpath",
    "best_k_models",
    "kth_best_model_path",
    "kth_value",
    "last_model_path",
  ]);
  assert.equal(scalarValue(state.best_model_score), 0.75);
  assert.equal(scalarValue(state.kth_value), 0.75);
  const restored = new ModelCheckpoint({ dirpath: dir, monitor: "val/acc", mode: "max", save_last: true });
  restored.loadStateDict(state);
  assert.equal(restored.bestModelPath, cb.bestModelPath);
  assert.equal(restored.bestModelScore, 0.75);
  assert.deepEqual(restored.bestKModels, cb.bestKModels);
  assert.equal(restored.lastModelPath, join(dir, "last.ckpt"));
  const elsewhere = new ModelCheckpoint({ dirpath: tempDir(), monitor: "val/acc", mode: "max" });
  elsewhere.loadStateDict(state);
  assert.equal(elsewhere.bestModelPath, cb.bestModelPath);
  assert.equal(elsewhere.bestModelScore, null);
});

test("resuming from last.ckpt overwrites it in place and never deletes the checkpoint resumed from", async () => {
  const dir = tempDir();
  const first = new ModelCheckpoint({
    dirpath: dir,
    filename: "epoch_{epoch:03d}",
    save_last: true,
    monitor: "val/loss",
    auto_insert_metric_name: false,
  });
  const t1 = await fit(first, [0.5]);
  const state = first.stateDict();
  const second = new ModelCheckpoint({
    dirpath: dir,
    filename: "epoch_{epoch:03d}",
    save_last: true,
    monitor: "val/loss",
    auto_insert_metric_name: false,
  });
  const t2 = fakeTrainer({ currentEpoch: 1, globalStep: t1.globalStep, ckptPath: join(dir, "last.ckpt") });
  second.setup(t2, null, "fit");
  second.loadStateDict(state);
  await runEpoch(second, t2, { "val/loss": 0.4 });
  // save_top_k=1: epoch_000 made way for epoch_001; last.ckpt (the resumed-from file) was replaced in place.
  assert.deepEqual(files(dir), ["epoch_001.ckpt", "last.ckpt"]);
  assert.equal(second.lastModelPath, join(dir, "last.ckpt"));
  assert.equal(JSON.parse(readFileSync(join(dir, "last.ckpt"), "utf8")).epoch, 1);
});

test("save_weights_only reaches saveCheckpoint; loggers hear about each save", async () => {
  const heard: string[] = [];
  const logger = {
    saveDir: tempDir(),
    name: "x",
    version: 1,
    logMetrics() {},
    afterSaveCheckpoint(cb: unknown) {
      heard.push((cb as ModelCheckpoint).bestModelPath);
    },
  };
  const cb = new ModelCheckpoint({ save_weights_only: true });
  const trainer = await fit(cb, [null], { loggers: [logger] });
  assert.deepEqual(
    trainer.saves.map((s) => s.weightsOnly),
    [true],
  );
  assert.deepEqual(heard, [cb.bestModelPath]);
});

test("verbose messages are Lightning's", async () => {
  const lines: string[] = [];
  const old = setInfoSink((l) => lines.push(l));
  try {
    const dir = tempDir();
    await fit(
      new ModelCheckpoint({ dirpath: dir, monitor: "val/loss", filename: "{epoch}", verbose: true }),
      [0.5, 0.7],
    );
    assert.deepEqual(lines, [
      `Epoch 0, global step 4: 'val/loss' reached 0.50000 (best 0.50000), saving model to '${dir}/epoch=0.ckpt' as top 1`,
      "Epoch 1, global step 8: 'val/loss' was not in top 1",
    ]);
  } finally {
    setInfoSink(old);
  }
});

test("train_time_interval saves when the interval has passed; save_on_exception saves on errors", async () => {
  const dir = tempDir();
  const timed = new ModelCheckpoint({ dirpath: dir, train_time_interval: 0, save_top_k: -1 });
  assert.match(timed.stateKey, /'train_time_interval': datetime\.timedelta\(0\)/);
  await fit(timed, [null]);
  assert.deepEqual(files(dir), [
    "epoch=0-step=1.ckpt",
    "epoch=0-step=2.ckpt",
    "epoch=0-step=3.ckpt",
    "epoch=0-step=4.ckpt",
  ]);
  const crashDir = tempDir();
  const onCrash = new ModelCheckpoint({ dirpath: crashDir, save_on_exception: true });
  const trainer = fakeTrainer({ globalStep: 3 });
  onCrash.setup(trainer, null, "fit");
  await onCrash.onException(trainer, null, new Error("boom"));
  assert.deepEqual(files(crashDir), ["epoch=0-step=3.ckpt"]);
});

test("options are checked like Python keyword arguments", () => {
  assert.throws(
    () => new ModelCheckpoint({ saveTopK: 3 } as never),
    /unexpected option 'saveTopK' \(did you mean 'save_top_k'\?\)/,
  );
  assert.throws(
    () => new ModelCheckpoint({ save_top_k: -2 }),
    /Invalid value for save_top_k=-2. Must be >= -1/,
  );
  assert.throws(
    () => new ModelCheckpoint({ save_top_k: 3 }),
    /save_top_k=3, monitor=None\) is not a valid configuration/,
  );
  assert.throws(
    () => new ModelCheckpoint({ mode: "maximum" as never }),
    /`mode` can be min, max but got maximum/,
  );
});
