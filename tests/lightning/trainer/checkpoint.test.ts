// Checkpoints: resuming continues exactly (2 epochs == 1 epoch + resume, bitwise on CPU), "best"/"last",
// clear errors for missing or corrupt files, tracker run ids, and Python's torch.load(weights_only=True).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ModelCheckpoint } from "../../../src/lightning/callbacks/model-checkpoint.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { randnWith } from "../../../src/torch/generator.js";
import * as torch from "../../../src/torch/index.js";
import { MemoryLogger, QUIET, tempDir } from "./helpers.js";
import { TinyDataModule, TinyModule } from "./tiny.js";

const PYTHON = join(import.meta.dirname, "../../../.venv/bin/python");

/** Fits the tiny model for `epochs` (optionally resuming); returns its weights and optimizer state. */
async function fitTiny(root: string, epochs: number, ckptPath?: string) {
  torch.manualSeed(ckptPath ? 999 : 42); // a resumed run must not depend on its own seed or init
  const model = new TinyModule();
  const dm = new TinyDataModule();
  const trainer = new Trainer({
    ...QUIET,
    max_epochs: epochs,
    limit_val_batches: 2,
    num_sanity_val_steps: 2,
    enable_checkpointing: true,
    default_root_dir: root,
    callbacks: [new ModelCheckpoint({ dirpath: join(root, "ckpt"), save_top_k: -1, filename: "{epoch}" })],
  });
  await trainer.fit(model, { datamodule: dm, ckptPath });
  const weights = model.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
  const adam = torch.tidy(() => {
    const sd = trainer.optimizers[0]!.stateDict() as { state: Map<number, Record<string, torch.Tensor>> };
    return [...sd.state.values()].map((s) => Array.from(s.exp_avg_sq!.toTypedArray() as Float32Array));
  });
  dm.dispose();
  return { weights, adam, trainer, model };
}

test("2 epochs equal 1 epoch + resume for the second (bitwise, with shuffling and the RNG restored)", async () => {
  const straight = await fitTiny(tempDir(), 2);
  const root = tempDir();
  await fitTiny(root, 1);
  torch.tidy(() => randnWith([100])); // disturb the global RNG between the runs
  const resumed = await fitTiny(root, 2, join(root, "ckpt/epoch=0.ckpt"));
  assert.deepEqual(resumed.weights, straight.weights);
  assert.deepEqual(resumed.adam, straight.adam);
  assert.equal(resumed.trainer.globalStep, straight.trainer.globalStep);
  assert.equal(resumed.trainer.currentEpoch, 2);
  assert.equal(resumed.trainer.ckptPath, join(root, "ckpt/epoch=0.ckpt"));
});

test("resuming from a mid-epoch checkpoint (every_n_train_steps) continues that epoch exactly", async () => {
  const run = async (root: string, maxSteps: number, ckptPath?: string) => {
    torch.manualSeed(ckptPath ? 5 : 42);
    const model = new TinyModule();
    const dm = new TinyDataModule(2); // 8 batches per epoch
    const trainer = new Trainer({
      ...QUIET,
      max_epochs: 2,
      max_steps: maxSteps,
      enable_checkpointing: true,
      callbacks: [
        new ModelCheckpoint({
          dirpath: join(root, "ckpt"),
          every_n_train_steps: 3,
          save_top_k: -1,
          filename: "{step}",
        }),
      ],
    });
    await trainer.fit(model, { datamodule: dm, ckptPath });
    dm.dispose();
    return { trainer, weights: model.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array)) };
  };
  const straight = await run(tempDir(), -1);
  const root = tempDir();
  await run(root, 3); // stops after step 3 of epoch 0, with a checkpoint written in on_train_batch_end
  const resumed = await run(root, -1, join(root, "ckpt/step=3.ckpt"));
  assert.equal(resumed.trainer.globalStep, 16);
  assert.equal(resumed.trainer.currentEpoch, 2);
  assert.deepEqual(resumed.weights, straight.weights);
});

test('test(ckptPath: "best" | "last") loads those checkpoints\' weights', async () => {
  const root = tempDir();
  torch.manualSeed(3);
  const model = new TinyModule();
  const dm = new TinyDataModule();
  const ckpt = new ModelCheckpoint({
    dirpath: join(root, "ckpt"),
    monitor: "val/loss",
    save_last: true,
    mode: "max",
  });
  const trainer = new Trainer({ ...QUIET, max_epochs: 3, enable_checkpointing: true, callbacks: [ckpt] });
  await trainer.fit(model, { datamodule: dm });
  for (const which of ["best", "last"] as const) {
    const path = which === "best" ? ckpt.bestModelPath : ckpt.lastModelPath;
    assert.ok(path && existsSync(path), `${which} checkpoint exists`);
    const fresh = new TinyModule();
    await trainer.test(fresh, { datamodule: dm, ckptPath: which, verbose: false });
    assert.equal(trainer.ckptPath, path);
    const saved = torch.load(path) as { state_dict: Record<string, torch.Tensor> };
    for (const [name, p] of fresh.namedParameters())
      assert.ok(torch.equal(p, saved.state_dict[name]!), `${which} ${name}`);
  }
  dm.dispose();
});

test("a missing or corrupt checkpoint gives an error that names the file", async () => {
  const root = tempDir();
  const dm = new TinyDataModule();
  const fitFrom = (path: string) =>
    new Trainer({ ...QUIET, max_epochs: 1 }).fit(new TinyModule(), { datamodule: dm, ckptPath: path });
  const missing = join(root, "nope.ckpt");
  await assert.rejects(fitFrom(missing), (e: Error) =>
    e.message.includes(`Checkpoint file not found: ${missing}`),
  );
  const garbage = join(root, "garbage.ckpt");
  writeFileSync(garbage, "not a checkpoint at all");
  await assert.rejects(fitFrom(garbage), (e: Error) =>
    /Cannot read checkpoint .*garbage\.ckpt.*corrupt/.test(e.message),
  );
  const good = join(root, "good.ckpt");
  const t = new Trainer({ ...QUIET, max_epochs: 1 });
  const m = new TinyModule();
  await t.fit(m, { datamodule: dm });
  await t.saveCheckpoint(good);
  const truncated = join(root, "truncated.ckpt");
  writeFileSync(truncated, readFileSync(good).subarray(0, 1000));
  await assert.rejects(fitFrom(truncated), (e: Error) => e.message.includes(truncated));
  await assert.rejects(
    new Trainer({ ...QUIET }).test(new TinyModule(), { datamodule: dm, ckptPath: "best" }),
    /needs a ModelCheckpoint callback/,
  );
  dm.dispose();
});

test("checkpoints hold logger run ids and RNG state, and Python's torch.load(weights_only=True) reads them", async (t) => {
  const root = tempDir();
  const dm = new TinyDataModule();
  class TrackedLogger extends MemoryLogger {
    override get runId() {
      return "run-123";
    }
  }
  const trainer = new Trainer({ ...QUIET, max_epochs: 1, logger: new TrackedLogger() });
  await trainer.fit(new TinyModule(), { datamodule: dm });
  const path = join(root, "a.ckpt");
  await trainer.saveCheckpoint(path);
  const ckpt = torch.load(path) as Record<string, unknown>;
  assert.deepEqual(ckpt.logger_run_ids, { "0:TrackedLogger": "run-123" });
  assert.ok((ckpt.rng_states as { torch: torch.Tensor }).torch.numel() > 0);
  dm.dispose();
  if (!existsSync(PYTHON)) {
    t.skip("no Python torch in .venv");
    return;
  }
  const script = `import torch,sys
c = torch.load(sys.argv[1], weights_only=True)
print(",".join(c.keys()))
print(c["epoch"], c["global_step"], c["state_dict"]["net.0.weight"].shape, c["optimizer_states"][0]["param_groups"][0]["lr"])`;
  const r = spawnSync(PYTHON, ["-c", script, path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const [keys, values] = r.stdout.trim().split("\n");
  assert.equal(
    keys,
    "epoch,global_step,pytorch-lightning_version,state_dict,loops,callbacks,optimizer_states,lr_schedulers,hparams_name,hyper_parameters,logger_run_ids,rng_states",
  );
  assert.equal(values, "1 4 torch.Size([8, 4]) 0.05");
});
