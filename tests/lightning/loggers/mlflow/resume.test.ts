// Resuming a checkpoint continues the MLflow run it names: the Trainer hands `logger_run_ids` to the logger
// before the run starts (library use, no app layer), and a resumed run keeps its write-once params (file
// store and server) instead of failing on values that naturally change (ckpt_path, max_epochs).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ModelCheckpoint } from "../../../../src/lightning/callbacks/model-checkpoint.js";
import { MLFlowLogger, readRun } from "../../../../src/lightning/loggers/mlflow/index.js";
import { readLoggerRunIds } from "../../../../src/lightning/trainer/connectors/checkpoint-connector.js";
import { Trainer } from "../../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../../src/torch/index.js";
import { QUIET } from "../../trainer/helpers.js";
import { TinyDataModule, TinyModule } from "../../trainer/tiny.js";
import { tempDir } from "../replay.js";
import { FakeMlflowServer } from "./fake-server.js";

async function fit(root: string, logger: MLFlowLogger, epochs: number, ckptPath?: string): Promise<void> {
  torch.manualSeed(7);
  const dm = new TinyDataModule();
  const trainer = new Trainer({
    ...QUIET,
    max_epochs: epochs,
    limit_val_batches: 1,
    num_sanity_val_steps: 0,
    log_every_n_steps: 1,
    enable_checkpointing: true,
    default_root_dir: root,
    logger,
    callbacks: [new ModelCheckpoint({ dirpath: join(root, "ckpt"), save_last: true })],
  });
  await trainer.fit(new TinyModule(), { datamodule: dm, ckptPath });
  dm.dispose();
}

test("Trainer.fit(ckptPath) continues the checkpoint's MLflow run: RUNNING again, later steps, FINISHED", async () => {
  const root = tempDir("kiln-mlflow-trainer-resume-");
  const store = join(root, "mlruns");
  const first = new MLFlowLogger({ tracking_uri: store, synchronous: true, warn: () => {} });
  await fit(root, first, 1);
  const runId = first.runId!;
  const ckpt = join(root, "ckpt", "last.ckpt");
  assert.deepEqual(readLoggerRunIds(ckpt), { "0:MLFlowLogger": runId });
  const steps = (r: ReturnType<typeof readRun>) =>
    Object.values(r.metrics).flatMap((pts) => pts.map((p) => p.step));
  const before = readRun(store, first.experimentId!, runId);

  const warnings: string[] = [];
  const second = new MLFlowLogger({ tracking_uri: store, synchronous: true, warn: (m) => warnings.push(m) });
  assert.equal(second.runStarted, false);
  await fit(root, second, 2, ckpt);
  assert.equal(second.runId, runId, "the resumed fit writes the same run");
  const afterResume = readRun(store, first.experimentId!, runId);
  assert.equal(afterResume.info.status, "FINISHED");
  assert.ok(Math.max(...steps(afterResume)) > Math.max(...steps(before)));
  assert.deepEqual(warnings, []);
});

test("resumeRun: an explicit run_id wins; a started run is not switched; both say why", () => {
  const store = join(tempDir("kiln-mlflow-resume-run-"), "mlruns");
  const warnings: string[] = [];
  const started = new MLFlowLogger({ tracking_uri: store, warn: (m) => warnings.push(m) });
  const ownId = started.runId!;
  started.resumeRun("a".repeat(32));
  assert.equal(started.runId, ownId);
  assert.match(warnings[0]!, /already writes run .* not continued/);
  const pinned = new MLFlowLogger({ tracking_uri: store, run_id: ownId, warn: (m) => warnings.push(m) });
  pinned.resumeRun("b".repeat(32));
  assert.equal(pinned.runId, ownId);
  assert.match(warnings[1]!, /run_id=.* is set/);
});

test("a resumed file-store run keeps its first param values and warns about the changed ones", () => {
  const store = join(tempDir("kiln-mlflow-resume-params-"), "mlruns");
  const first = new MLFlowLogger({ tracking_uri: store, warn: () => {} });
  first.logHyperparams({ ckpt_path: null, trainer: { max_epochs: 1 }, lr: 0.1 });
  const warnings: string[] = [];
  const again = new MLFlowLogger({ tracking_uri: store, warn: (m) => warnings.push(m) });
  again.resumeRun(first.runId!);
  again.logHyperparams({ ckpt_path: "last.ckpt", trainer: { max_epochs: 2 }, lr: 0.1, seed: 3 });
  const run = readRun(store, first.experimentId!, first.runId!);
  assert.deepEqual(run.params, { ckpt_path: "None", "trainer/max_epochs": "1", lr: "0.1", seed: "3" });
  assert.match(warnings.join("\n"), /2 changed param\(s\) not updated: ckpt_path, trainer\/max_epochs/);
  // A run that is not resumed still refuses a changed value, as MLflow does.
  assert.throws(() => first.logHyperparams({ lr: 0.2 }), /Changing param values is not allowed/);
});

let server: FakeMlflowServer;
before(async () => {
  server = await new FakeMlflowServer().start();
});
after(async () => {
  await server.stop();
});

test("a resumed server run sends only new params: the changed ones are kept, the new ones are not lost", async () => {
  const saveDir = tempDir("kiln-mlflow-resume-rest-");
  const first = new MLFlowLogger({ tracking_uri: server.url, save_dir: saveDir, warn: () => {} });
  first.logHyperparams({ ckpt_path: null, lr: 0.1 });
  await first.endRun("success");
  const runId = first.runId!;
  const warnings: string[] = [];
  const again = new MLFlowLogger({
    tracking_uri: server.url,
    save_dir: saveDir,
    warn: (m) => warnings.push(m),
  });
  again.resumeRun(runId);
  // Logged before the run is opened: the stored params are not known yet, the server store filters them.
  again.logHyperparams({ ckpt_path: "last.ckpt", lr: 0.1, seed: 3 });
  const report = await again.endRun("success");
  assert.equal(report?.ok, true, JSON.stringify(report));
  const run = server.runs.get(runId)!;
  assert.equal(run.params.get("ckpt_path"), "None");
  assert.equal(run.params.get("seed"), "3");
  assert.equal(run.info.status, "FINISHED");
  assert.match(
    warnings.join("\n"),
    /keeps the values its params were first logged with; not updated: ckpt_path/,
  );
});
