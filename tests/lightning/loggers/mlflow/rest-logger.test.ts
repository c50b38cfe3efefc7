// MLFlowLogger against the loopback tracking server: what a training run sends (experiment lookup, run with
// the context tags, flattened params, buffered metrics in batches, status), and outages: the server going away
// mid-run and coming back (spooled, then flushed, nothing lost), or staying away (finalize reports, the spool
// keeps the data, and resuming the run sends it).
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gitCommit } from "../../../../src/lightning/loggers/mlflow/context-tags.js";
import { MLFlowLogger, type MLFlowLoggerOptions } from "../../../../src/lightning/loggers/mlflow/index.js";
import { readSpool } from "../../../../src/lightning/loggers/mlflow/rest-sender.js";
import { tempDir } from "../replay.js";
import { FakeMlflowServer } from "./fake-server.js";

let server: FakeMlflowServer;
before(async () => {
  server = await new FakeMlflowServer().start();
});
after(() => server.stop());

const warnings: string[] = [];
function logger(options: MLFlowLoggerOptions): MLFlowLogger {
  return new MLFlowLogger({
    tracking_uri: server.url,
    save_dir: tempDir("kiln-mlflow-spool-"),
    http: { env: {}, timeoutMs: 300, maxRetries: 1, backoffMs: 5, maxBackoffMs: 10 },
    sender: { retryIntervalMs: 30, maxRetryIntervalMs: 60 },
    flush_interval_ms: 20,
    finalize_timeout_ms: 2000,
    warn: (m) => warnings.push(m),
    ...options,
  });
}
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

test("a run over REST: experiment created once, run tags, params, 2500 metric points in <=1000 batches", async () => {
  server.requests.length = 0;
  const log = logger({ experiment_name: "rest-exp", run_name: "r1", tags: { team: "kiln" }, prefix: "fit" });
  log.logHyperparams({ model: { lr: 0.001, hidden: [64, 128] }, seed: 7 });
  for (let step = 0; step < 2500; step++) log.logMetrics({ "train/loss": 1 / (step + 1) }, step);
  log.logMetrics({ "val/acc": Number.NaN, "val/best": Number.POSITIVE_INFINITY }, 2500);
  const report = await log.endRun("success");
  assert.equal(report?.ok, true, JSON.stringify(report));
  const run = server.runs.get(log.runId!)!;
  assert.equal(run.info.status, "FINISHED");
  assert.equal(typeof run.info.end_time, "number");
  assert.equal(run.tags.get("mlflow.runName"), "r1");
  assert.equal(run.tags.get("team"), "kiln");
  assert.equal(run.tags.get("mlflow.source.type"), "LOCAL");
  assert.ok(run.tags.get("mlflow.user"));
  assert.equal(run.tags.get("mlflow.source.git.commit"), gitCommit(import.meta.dirname));
  assert.deepEqual(Object.fromEntries(run.params), {
    "model/lr": "0.001",
    "model/hidden": "[64, 128]",
    seed: "7",
  });
  assert.equal(run.metrics.length, 2502);
  assert.deepEqual(
    run.metrics.slice(-2).map((m) => [m.key, m.value]),
    [
      ["fit-val/acc", "NaN"],
      ["fit-val/best", "Infinity"],
    ],
  );
  assert.ok(server.calls("runs/log-batch").every((r) => (JSON.parse(r.body).metrics?.length ?? 0) <= 1000));
  assert.equal(server.calls("experiments/create").length, 1);
  // A second logger reuses the experiment by name.
  const again = logger({ experiment_name: "rest-exp" });
  await again.whenStarted();
  assert.equal(again.experimentId, log.experimentId);
  assert.equal(server.calls("experiments/create").length, 1);
});

test("a param logged again with another value is refused at once, like MLflow's INVALID_PARAMETER_VALUE", async () => {
  const log = logger({ experiment_name: "rest-exp" });
  log.logHyperparams({ batch_size: 64 });
  log.logHyperparams({ batch_size: 64 }); // same value: fine and not sent twice
  assert.throws(() => log.logHyperparams({ batch_size: 32 }), { errorCode: "INVALID_PARAMETER_VALUE" });
  await log.endRun("failed");
  assert.equal(server.runs.get(log.runId!)!.info.status, "FAILED");
});

test("the server goes away mid-run and comes back: the spool holds the points, then everything arrives", async () => {
  const log = logger({ experiment_name: "outage" });
  for (let step = 0; step < 10; step++) log.logMetrics({ loss: step }, step);
  const runId = await log.whenStarted();
  await until(() => (server.runs.get(runId!)?.metrics.length ?? 0) === 10);
  await server.stop();
  for (let step = 10; step < 30; step++) log.logMetrics({ loss: step }, step);
  log.setTags({ phase: "during-outage" });
  const spoolDir =
    log.experiment.kind === "rest"
      ? (log as unknown as { options: { save_dir: string } }).options.save_dir
      : "";
  await until(() => readdirSync(spoolDir).some((f) => f.startsWith("kiln-mlflow-spool-")));
  const spoolFile = join(spoolDir, readdirSync(spoolDir).find((f) => f.startsWith("kiln-mlflow-spool-"))!);
  assert.ok(readSpool(spoolFile).ops.length > 0);
  await server.start();
  await until(() => (server.runs.get(runId!)?.metrics.length ?? 0) === 30);
  await until(() => !existsSync(spoolFile));
  const report = await log.endRun("success");
  assert.equal(report?.ok, true);
  const run = server.runs.get(runId!)!;
  assert.deepEqual(
    run.metrics.map((m) => m.step),
    Array.from({ length: 30 }, (_, i) => i),
  );
  assert.equal(run.tags.get("phase"), "during-outage");
  assert.equal(run.info.status, "FINISHED");
  assert.ok(warnings.some((w) => w.includes("unreachable")));
});

test("the server stays away: finalize reports what is unsent, and resuming the run sends the spool", async () => {
  const log = logger({ experiment_name: "gone" });
  const runId = await log.whenStarted();
  await server.stop();
  log.logHyperparams({ lr: 0.1 });
  for (let step = 0; step < 5; step++) log.logMetrics({ loss: step }, step);
  const report = await log.endRun("killed");
  assert.equal(report?.ok, false);
  assert.deepEqual(report?.unsent, { metrics: 5, params: 1, tags: 0, artifacts: 0, updates: 1 });
  assert.ok(report?.spoolPath && existsSync(report.spoolPath));
  assert.ok(warnings.some((w) => w.includes(report.spoolPath!)));
  await server.start();
  const saveDir = (log as unknown as { options: { save_dir: string } }).options.save_dir;
  const resumed = logger({ run_id: runId, save_dir: saveDir });
  assert.equal(await resumed.whenStarted(), runId);
  const final = await resumed.endRun("success");
  assert.equal(final?.ok, true);
  const run = server.runs.get(runId!)!;
  assert.equal(run.metrics.length, 5);
  assert.equal(run.params.get("lr"), "0.1");
  assert.equal(run.info.status, "FINISHED");
  assert.equal(existsSync(report.spoolPath!), false);
});

test("artifacts go through the mlflow-artifacts proxy under the run's artifact_uri", async () => {
  const log = logger({ experiment_name: "arts" });
  const dir = tempDir("kiln-mlflow-art-");
  const { writeFileSync, mkdirSync } = await import("node:fs");
  mkdirSync(join(dir, "hydra"));
  writeFileSync(join(dir, "hydra", "config.yaml"), "a: 1\n");
  writeFileSync(join(dir, "tags.log"), "x");
  log.logArtifact(join(dir, "hydra"), "hydra");
  log.logArtifact(join(dir, "tags.log"));
  await log.endRun("success");
  const run = server.runs.get(log.runId!)!;
  const root = String(run.info.artifact_uri).replace("mlflow-artifacts:/", "");
  assert.equal(server.artifacts.get(`${root}/hydra/config.yaml`)?.toString(), "a: 1\n");
  assert.equal(server.artifacts.get(`${root}/tags.log`)?.toString(), "x");
});

test("log_model 'all' over REST uploads the checkpoint with its metadata, then drops the temporary files", async () => {
  const log = logger({ experiment_name: "ckpt", log_model: "all" });
  const dir = tempDir("kiln-mlflow-ckpt-src-");
  const { writeFileSync } = await import("node:fs");
  const ckpt = join(dir, "epoch=0-step=3.ckpt");
  writeFileSync(ckpt, "weights");
  log.afterSaveCheckpoint({ bestModelPath: ckpt, bestModelScore: 0.5, monitor: "val/acc" });
  assert.equal((await log.endRun("success"))?.ok, true);
  const root = String(server.runs.get(log.runId!)!.info.artifact_uri).replace("mlflow-artifacts:/", "");
  assert.equal(server.artifacts.get(`${root}/epoch=0-step=3/epoch=0-step=3.ckpt`)?.toString(), "weights");
  assert.equal(server.artifacts.get(`${root}/epoch=0-step=3/aliases.txt`)?.toString(), "['latest', 'best']");
  assert.ok(server.artifacts.has(`${root}/epoch=0-step=3/metadata.yaml`));
  assert.ok(
    server.calls("epoch=0-step=3.ckpt")[0].path.includes("epoch=0-step=3.ckpt"),
    "`=` is not escaped",
  );
});
