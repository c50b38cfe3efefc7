// `kiln train logger=mlflow` end to end, read back with Kiln's store reader: run status from the task wrapper
// (FINISHED / FAILED / KILLED), the config as params, the config's tags, the run folder's config files and
// checkpoints as artifacts, and resuming a checkpoint continuing the same MLflow run.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readExperiments, readRun } from "../../src/lightning/loggers/mlflow/index.js";
import type { RunRecord } from "../../src/lightning/loggers/mlflow/store-reader.js";
import { load } from "../../src/torch/serialization/index.js";
import { explain, NO_BUNDLED, ROOT, refusedUrl, runCli, tempDir } from "./helpers.js";

const TINY = [
  "logger=mlflow",
  "+trainer.limit_train_batches=2",
  "+trainer.limit_val_batches=1",
  "+trainer.limit_test_batches=1",
  "trainer.max_epochs=1",
  "data.source=bundled",
  "callbacks.rich_progress_bar=null",
  "callbacks.model_summary=null",
];

/** Every run of the store's `lightning_logs` experiment. */
function runsOf(logDir: string): RunRecord[] {
  const store = join(logDir, "mlflow", "mlruns");
  const exp = readExperiments(store).find((e) => e.name === "lightning_logs");
  assert.ok(exp, `no lightning_logs experiment in ${store}`);
  const ids = readdirSync(join(store, exp.experimentId)).filter((n) => /^[0-9a-f]{32}$/.test(n));
  return ids.map((id) => readRun(store, exp.experimentId, id));
}

/** The one run folder under `<logDir>/train/runs/`. */
function runDirOf(logDir: string): string {
  const runs = join(logDir, "train", "runs");
  const dirs = readdirSync(runs).sort();
  return join(runs, dirs[dirs.length - 1]!);
}

const lastStep = (run: RunRecord, key: string) => Math.max(...(run.metrics[key] ?? []).map((p) => p.step));

test("a run logs params, tags, config files and checkpoints, ends FINISHED, and a resume continues it", {
  skip: NO_BUNDLED ?? false,
}, async () => {
  const logDir = tempDir("kiln-app-mlflow-");
  const first = await runCli([
    "train",
    ...TINY,
    `paths.log_dir=${logDir}`,
    "logger.mlflow.log_model=true",
    "tags=[dev,mlflow_e2e]",
  ]);
  assert.equal(first.code, 0, explain(first));
  const [run, ...others] = runsOf(logDir);
  assert.equal(others.length, 0);
  assert.equal(run!.info.status, "FINISHED");
  assert.equal(run!.params["model/optimizer/lr"], "0.001");
  assert.equal(run!.params["trainer/max_epochs"], "1");
  assert.equal(run!.params.ckpt_path, "None");
  assert.equal(run!.params.tags, "['dev', 'mlflow_e2e']");
  assert.equal(run!.tags.dev, "true");
  assert.equal(run!.tags.mlflow_e2e, "true");
  for (const artifact of [
    ".hydra/config.yaml",
    ".hydra/hydra.yaml",
    ".hydra/overrides.yaml",
    "config_tree.log",
    "tags.log",
    "last/last.ckpt",
    "epoch_000/epoch_000.ckpt",
    "epoch_000/metadata.yaml",
  ]) {
    assert.ok(run!.artifacts.includes(artifact), `${artifact} missing from ${run!.artifacts.join(", ")}`);
  }
  const firstStep = lastStep(run!, "train/loss");

  const ckpt = join(runDirOf(logDir), "checkpoints", "last.ckpt");
  const resumed = await runCli([
    "train",
    ...TINY.filter((o) => o !== "trainer.max_epochs=1"),
    "trainer.max_epochs=2",
    `paths.log_dir=${logDir}`,
    `ckpt_path=${ckpt}`,
  ]);
  assert.equal(resumed.code, 0, explain(resumed));
  const after = runsOf(logDir);
  assert.equal(after.length, 1, "the resumed fit must continue the run, not start another");
  const again = after[0]!;
  assert.equal(again.info.runId, run!.info.runId);
  assert.equal(again.info.status, "FINISHED");
  assert.ok(again.info.endTime! > run!.info.endTime!);
  assert.ok(lastStep(again, "train/loss") > firstStep, "metrics continue with later steps");
  // MLflow params are write-once: the resumed run keeps its first values and says so.
  assert.equal(again.params.ckpt_path, "None");
  assert.equal(again.params["trainer/max_epochs"], "1");
  assert.match(resumed.stderr + resumed.stdout, /keeps the values its params were first logged with/);
});

test("a failing run ends FAILED, with its config files logged", { skip: NO_BUNDLED ?? false }, async () => {
  const logDir = tempDir("kiln-app-mlflow-fail-");
  // EarlyStopping (strict) fails the fit at the first validation end when its monitor is never logged.
  const r = await runCli([
    "train",
    ...TINY,
    `paths.log_dir=${logDir}`,
    "callbacks.early_stopping.monitor=val/not_logged",
  ]);
  assert.notEqual(r.code, 0, explain(r));
  const [run] = runsOf(logDir);
  assert.equal(run!.info.status, "FAILED");
  assert.ok(run!.info.endTime !== null);
  assert.ok(run!.artifacts.includes(".hydra/config.yaml"), run!.artifacts.join(", "));
});

/** Starts a long `kiln train logger=mlflow`, sends `signal` once the fit has saved last.ckpt, waits for the exit. */
async function stopWithSignal(signal: NodeJS.Signals, ckptDir?: string) {
  const extra = ckptDir === undefined ? [] : [`callbacks.model_checkpoint.dirpath=${ckptDir}`];
  const logDir = tempDir(`kiln-app-mlflow-${signal}-`);
  const args = [...TINY.filter((o) => o !== "trainer.max_epochs=1"), "trainer.max_epochs=100000", ...extra];
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src", "cli.ts"), "train", ...args, `paths.log_dir=${logDir}`],
    {
      cwd: ROOT,
      env: { ...process.env, KILN_NUM_THREADS: "1", OMP_NUM_THREADS: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  // last.ckpt exists once the fit (and its signal handlers) is running.
  const deadline = Date.now() + 60_000;
  const lastCkpt = () => {
    if (ckptDir !== undefined) return existsSync(join(ckptDir, "last.ckpt"));
    const runs = join(logDir, "train", "runs");
    return (
      existsSync(runs) && readdirSync(runs).some((d) => existsSync(join(runs, d, "checkpoints", "last.ckpt")))
    );
  };
  while (!lastCkpt() && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(lastCkpt(), `the fit never saved a checkpoint:\n${output.slice(-3000)}`);
  await new Promise((r) => setTimeout(r, 1500)); // a few more epochs, with metrics still in the logger's buffer
  child.kill(signal);
  return { code: await exited, output, logDir };
}

test("Ctrl-C ends the run KILLED", { skip: NO_BUNDLED ?? false }, async () => {
  const { code, output, logDir } = await stopWithSignal("SIGINT");
  assert.equal(code, 1, output.slice(-3000));
  assert.match(output, /Detected KeyboardInterrupt/);
  const [run] = runsOf(logDir);
  assert.equal(run!.info.status, "KILLED", output.slice(-3000));
  assert.ok(run!.info.endTime !== null);
});

test("SIGTERM takes Ctrl-C's path: run KILLED with every epoch's metrics, clean exit 0, a dead writer's temporary removed", {
  skip: NO_BUNDLED ?? false,
}, async () => {
  // A checkpoint temporary left by a writer that was killed: the next save into the folder removes it.
  const ckptDir = tempDir("kiln-app-sigterm-ckpt-");
  const deadPid = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  }).stdout;
  const stale = `last.ckpt.tmp-${deadPid}-0badf00d`;
  writeFileSync(join(ckptDir, stale), "half a checkpoint");
  const { code, output, logDir } = await stopWithSignal("SIGTERM", ckptDir);
  assert.equal(code, 0, output.slice(-3000));
  assert.match(output, /Received SIGTERM: 15, attempting graceful shutdown/);
  assert.match(output, /Stopped by SIGTERM after the current step; the run was shut down cleanly/);
  assert.match(output, /Closing loggers/);
  assert.doesNotMatch(output, /Error executing job/);
  const [run] = runsOf(logDir);
  assert.equal(run!.info.status, "KILLED", output.slice(-3000));
  assert.ok(run!.info.endTime !== null);
  // Nothing buffered was lost: every validation that ran (one per epoch) reached the store, at least up to the
  // epoch of the last checkpoint the fit wrote.
  const saved = load(join(ckptDir, "last.ckpt")) as { epoch: number };
  assert.ok(
    (run!.metrics["val/loss"] ?? []).length >= saved.epoch + 1,
    JSON.stringify(run!.metrics["val/loss"]),
  );
  assert.ok(!existsSync(join(ckptDir, stale)), "the dead writer's temporary file is removed");
  assert.deepEqual(
    readdirSync(ckptDir).filter((n) => n.includes(".tmp-")),
    [],
  );
});

test("an unreachable tracking server: the run ends in seconds, exit 0, its data spooled inside the run folder", {
  skip: NO_BUNDLED ?? false,
}, async () => {
  const logDir = tempDir("kiln-app-mlflow-down-");
  const url = await refusedUrl();
  const t0 = Date.now();
  const r = await runCli([
    "train",
    ...TINY,
    `logger.mlflow.tracking_uri=${url.replace(/\/$/, "")}`,
    `paths.log_dir=${logDir}`,
  ]);
  const elapsed = Date.now() - t0;
  assert.equal(r.code, 0, explain(r));
  // Before: ~33 s stalled at each of the three finalizes (fit, test, task wrapper).
  assert.ok(elapsed < 40_000, `the run took ${elapsed} ms`);
  const spoolDir = join(runDirOf(logDir), "mlflow_spool");
  const spools = readdirSync(spoolDir).filter((f) => f.startsWith("kiln-mlflow-spool-"));
  assert.equal(spools.length, 1);
  const spool = join(spoolDir, spools[0]!);
  assert.ok(r.stderr.includes(`The unsent data is kept in ${spool}`), r.stderr.slice(-2000));
  assert.ok(r.stderr.includes(`kiln runs --replay ${spool}`));
});
