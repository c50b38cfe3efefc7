// MLFlowLogger on a local file store, as Lightning's MLFlowLogger behaves: lazy experiment/run, context tags,
// params flattened and cut to 250 characters, metric prefix and key cleaning, buffered metrics, run statuses,
// resume by run_id, artifacts, log_model, and the `kiln runs` listing.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PyFloat } from "../../../../src/common/pyvalue.js";
import { gitCommit } from "../../../../src/lightning/loggers/mlflow/context-tags.js";
import {
  formatRunsTable,
  listRuns,
  MLFLOW_LOGGER_TARGETS,
  MLFlowLogger,
  type MLFlowLoggerOptions,
  readRun,
} from "../../../../src/lightning/loggers/mlflow/index.js";
import { tempDir } from "../replay.js";

const fixtures = join(import.meta.dirname, "..", "..", "..", "fixtures", "mlflow");

function fileLogger(options: MLFlowLoggerOptions = {}): { log: MLFlowLogger; warnings: string[] } {
  const warnings: string[] = [];
  const log = new MLFlowLogger({
    save_dir: options.save_dir ?? tempDir("kiln-mlflow-file-"),
    flush_interval_ms: 60_000,
    warn: (m) => warnings.push(m),
    ...options,
  });
  return { log, warnings };
}
const stored = (log: MLFlowLogger) => readRun(log.saveDir!, log.experimentId!, log.runId!);

test("the run is created on first use, in `lightning_logs`, with the context tags and run name", async () => {
  const { log } = fileLogger({ run_name: "first", tags: { team: "kiln", seed: 7 } });
  assert.match(log.target.kind, /file/);
  assert.match(log.experimentId!, /^[0-9]{18}$/);
  assert.equal(log.name, log.experimentId);
  assert.equal(log.version, log.runId);
  assert.equal(log.logDir, join(log.saveDir!, log.experimentId!, log.runId!));
  const run = stored(log);
  assert.equal(run.info.runName, "first");
  assert.equal(run.info.status, "RUNNING");
  assert.equal(run.tags["mlflow.runName"], "first");
  assert.equal(run.tags["mlflow.source.type"], "LOCAL");
  assert.equal(run.tags.team, "kiln");
  assert.equal(run.tags.seed, "7");
  assert.equal(run.tags["mlflow.source.git.commit"], gitCommit(import.meta.dirname));
  assert.equal(
    readFileSync(join(log.saveDir!, log.experimentId!, "meta.yaml"), "utf8").includes(
      "name: lightning_logs\n",
    ),
    true,
  );
  await log.finalize("success");
});

test("hyperparams: flattened with '/', Python str() values, cut to 250 characters like Lightning", async () => {
  const { log } = fileLogger();
  log.logHyperparams({
    model: { optimizer: { lr: 0.001, betas: [0.9, 0.999] }, hidden: [64, 128] },
    scale: new PyFloat(1),
    flag: true,
    none: null,
    name: "x".repeat(300),
  });
  assert.deepEqual(stored(log).params, {
    flag: "True",
    "model/hidden": "[64, 128]",
    "model/optimizer/betas": "[0.9, 0.999]",
    "model/optimizer/lr": "0.001",
    name: "x".repeat(250),
    none: "None",
    scale: "1.0",
  });
  log.logHyperparams({ flag: true }); // the same value again is fine
  assert.throws(
    () => log.logHyperparams({ flag: false }),
    /Changing param values is not allowed.*'True'.*'False'/,
  );
  await log.finalize("success");
});

test("metrics: prefix joined with '-', keys cleaned, strings dropped, step 0 by default, buffered", async () => {
  const { log, warnings } = fileLogger({ prefix: "fit" });
  log.logMetrics({ "train/loss": 0.5, "bad:key(1)": 1 }, 3);
  log.logMetrics({ "val/acc": Number.NaN });
  log.logMetrics({ note: "text" as unknown as number }, 4);
  log.save(); // not due yet: nothing written
  assert.deepEqual(stored(log).metrics, {});
  await log.finalize("success");
  const { metrics } = stored(log);
  assert.deepEqual(Object.keys(metrics).sort(), ["fit-badkey1", "fit-train/loss", "fit-val/acc"]);
  assert.equal(metrics["fit-train/loss"][0].step, 3);
  assert.equal(metrics["fit-val/acc"][0].step, 0);
  assert.ok(warnings.some((w) => w.includes("Replacing fit-bad:key(1) with fit-badkey1")));
  assert.ok(warnings.some((w) => w.includes("Discarding metric with string value fit-note=text")));
});

test("synchronous: true writes every call at once", () => {
  const { log } = fileLogger({ synchronous: true });
  log.logMetrics({ loss: 1 }, 0);
  assert.equal(stored(log).metrics.loss.length, 1);
});

test("finalize maps success/failed/interrupted/killed to FINISHED/FAILED/KILLED and sets end_time", async () => {
  const saveDir = tempDir("kiln-mlflow-status-");
  const expected = {
    success: "FINISHED",
    failed: "FAILED",
    interrupted: "KILLED",
    killed: "KILLED",
  } as const;
  for (const [status, name] of Object.entries(expected)) {
    const { log } = fileLogger({ save_dir: saveDir });
    log.logMetrics({ x: 1 }, 0);
    await log.finalize(status as keyof typeof expected);
    const run = stored(log);
    assert.equal(run.info.status, name);
    assert.ok(run.info.endTime !== null);
  }
  const meta = readFileSync(
    join(saveDir, fileLogger({ save_dir: saveDir }).log.experimentId!, "meta.yaml"),
    "utf8",
  );
  assert.match(meta, /^name: lightning_logs$/m);
  assert.equal(listRuns(saveDir)[0].runs.length, 5);
});

test("nothing logged: finalize does not create a run", async () => {
  const saveDir = tempDir("kiln-mlflow-idle-");
  const { log } = fileLogger({ save_dir: join(saveDir, "store") });
  await log.finalize("success");
  assert.equal(existsSync(join(saveDir, "store")), false);
});

test("run_id resumes the same run: status back to RUNNING, metrics appended, then FINISHED", async () => {
  const saveDir = tempDir("kiln-mlflow-resume-");
  const { log: first } = fileLogger({ save_dir: saveDir, experiment_name: "resume" });
  first.logMetrics({ loss: 1 }, 0);
  await first.finalize("interrupted");
  const { log: again } = fileLogger({ save_dir: saveDir, run_id: first.runId });
  assert.equal(again.experimentId, first.experimentId);
  assert.equal(stored(again).info.status, "RUNNING");
  assert.equal(stored(again).info.endTime, null);
  again.logMetrics({ loss: 0.5 }, 1);
  await again.finalize("success");
  const run = stored(again);
  assert.equal(run.info.status, "FINISHED");
  assert.deepEqual(
    run.metrics.loss.map((p) => p.value),
    [1, 0.5],
  );
  assert.throws(() => fileLogger({ save_dir: saveDir, run_id: "f".repeat(32) }).log.runId, /not found/);
});

test("artifacts: files and folders are copied under artifacts/<artifact_path>", async () => {
  const { log } = fileLogger();
  const src = tempDir("kiln-mlflow-src-");
  mkdirSync(join(src, ".hydra"));
  writeFileSync(join(src, ".hydra", "config.yaml"), "a: 1\n");
  writeFileSync(join(src, "tags.log"), "x");
  log.logArtifact(join(src, ".hydra"), ".hydra");
  log.logArtifact(join(src, "tags.log"));
  assert.deepEqual(stored(log).artifacts, [".hydra/config.yaml", "tags.log"]);
  await log.finalize("success");
});

function checkpoints(dir: string) {
  const a = join(dir, "epoch=0-step=3.ckpt");
  const b = join(dir, "epoch=1-step=6.ckpt");
  writeFileSync(a, "A");
  writeFileSync(b, "B");
  utimesSync(a, 1000, 1000);
  return {
    a,
    b,
    cb: { bestModelPath: b, bestModelScore: 0.9, bestKModels: { [a]: 0.8, [b]: 0.9 }, monitor: "val/acc" },
  };
}

test("log_model 'all' uploads each new checkpoint with metadata.yaml and aliases.txt", async () => {
  const { log } = fileLogger({ log_model: "all", checkpoint_path_prefix: "ckpts" });
  const { cb } = checkpoints(tempDir("kiln-mlflow-ckpt-"));
  log.afterSaveCheckpoint(cb);
  log.afterSaveCheckpoint(cb); // unchanged files are not uploaded again
  const run = stored(log);
  assert.deepEqual(run.artifacts, [
    "ckpts/epoch=0-step=3/aliases.txt",
    "ckpts/epoch=0-step=3/epoch=0-step=3.ckpt",
    "ckpts/epoch=0-step=3/metadata.yaml",
    "ckpts/epoch=1-step=6/aliases.txt",
    "ckpts/epoch=1-step=6/epoch=1-step=6.ckpt",
    "ckpts/epoch=1-step=6/metadata.yaml",
  ]);
  const art = join(log.logDir!, "artifacts", "ckpts", "epoch=1-step=6");
  assert.equal(readFileSync(join(art, "aliases.txt"), "utf8"), "['latest', 'best']");
  assert.equal(
    readFileSync(join(art, "metadata.yaml"), "utf8"),
    "Checkpoint:\n  monitor: val/acc\noriginal_filename: epoch=1-step=6.ckpt\nscore: 0.9\n",
  );
  await log.finalize("success");
});

test("log_model true uploads at finalize only", async () => {
  const { log } = fileLogger({ log_model: true });
  const { cb } = checkpoints(tempDir("kiln-mlflow-ckpt-"));
  log.logMetrics({ x: 1 }, 0);
  log.afterSaveCheckpoint(cb);
  assert.deepEqual(stored(log).artifacts, []);
  await log.finalize("success");
  assert.equal(stored(log).artifacts.filter((p) => p.endsWith(".ckpt")).length, 2);
});

test("listRuns and formatRunsTable show the runs of the golden store with their last metrics", () => {
  const exps = listRuns(`file:${join(fixtures, "store-3.6")}`);
  assert.deepEqual(
    exps.map((e) => e.name),
    ["kiln-fixture"],
  );
  const [runB, runA] = exps[0].runs;
  assert.equal(runA.runName, "run-a");
  assert.equal(runA.lastMetrics["train/loss"].value, 0.2);
  assert.ok(Number.isNaN(runA.lastMetrics["val/acc"].value));
  assert.equal(runB.status, "FAILED");
  const table = formatRunsTable(exps);
  assert.match(table, /^experiment kiln-fixture \(id 672155485861034537\): 2 run\(s\)$/m);
  assert.match(table, /^run-a +77cbb6b0 +FINISHED +2026-11-26 \S+ +0s +train\/loss=0\.2 val\/acc=nan$/m);
  assert.match(table, /^run-b +11611ec5 +FAILED /m);
  assert.equal(formatRunsTable([]), "no runs\n");
});

test("registry targets name the class under Kiln's and Lightning's names", () => {
  assert.equal(MLFLOW_LOGGER_TARGETS["lightning.pytorch.loggers.mlflow.MLFlowLogger"], MLFlowLogger);
  assert.equal(MLFLOW_LOGGER_TARGETS["lightning.pytorch.loggers.MLFlowLogger"], MLFlowLogger);
  assert.equal(MLFLOW_LOGGER_TARGETS["kiln.loggers.MLFlowLogger"], MLFlowLogger);
});
