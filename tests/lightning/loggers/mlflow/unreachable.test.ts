// A tracking server that cannot be reached never holds a run up for long (issue: 107 s for a 1 s run, 33 s at
// each of three finalizes), the spool sits where spool_dir says under its absolute path, and `kiln runs
// --replay` sends it once the server is up: the run created then with its original spec, or continued.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { isAbsolute, join, resolve } from "node:path";
import { after, test } from "node:test";
import { MLFlowLogger, type MLFlowLoggerOptions } from "../../../../src/lightning/loggers/mlflow/index.js";
import { QUICK_TRY_MS, readSpool } from "../../../../src/lightning/loggers/mlflow/rest-sender.js";
import { tempDir } from "../replay.js";
import { FakeMlflowServer } from "./fake-server.js";

const ROOT = resolve(import.meta.dirname, "..", "..", "..", "..");

/** A server that accepts connections and never answers (a hung proxy, a stopped process under a live port). */
async function blackhole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A fake server's URL while it is stopped (connections refused), and the server to start later. */
async function downServer(): Promise<FakeMlflowServer> {
  const server = await new FakeMlflowServer().start();
  await server.stop();
  return server;
}

/** `kiln <args>` in a subprocess, without blocking this process (where the fake server runs). */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, MLFLOW_TRACKING_TOKEN: "", MLFLOW_TRACKING_USERNAME: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

const started: FakeMlflowServer[] = [];
after(async () => {
  for (const s of started) await s.stop();
});

function logger(url: string, spoolDir: string, warnings: string[], extra: MLFlowLoggerOptions = {}) {
  // Kiln's defaults (30 s finalize budget, 30 s per request), only the auth environment isolated.
  return new MLFlowLogger({
    tracking_uri: url,
    spool_dir: spoolDir,
    http: { env: {} },
    warn: (m) => warnings.push(m),
    ...extra,
  });
}

test("a refused server: fit, test and the task wrapper finalize in about a second in all; the spool is named absolutely", async () => {
  const server = await downServer();
  const spoolDir = join(tempDir("kiln-mlflow-unreach-"), "run", "mlflow_spool");
  const warnings: string[] = [];
  const log = logger(server.url, spoolDir, warnings, { experiment_name: "offline", run_name: "r" });
  const t0 = Date.now();
  log.logHyperparams({ lr: 0.1, net: { hidden: 8 } });
  for (let step = 0; step < 20; step++) log.logMetrics({ "train/loss": 1 / (step + 1) }, step);
  await log.whenStarted(); // a checkpoint save asks for the run id: no long wait either
  await log.finalize("success"); // fit
  log.logMetrics({ "test/acc": 0.5 }, 20);
  await log.finalize("success"); // test
  const report = await log.endRun("success"); // the task wrapper
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < QUICK_TRY_MS + 3000, `took ${elapsed} ms`);
  assert.equal(report?.ok, false);
  assert.equal(report?.unsent.metrics, 21);
  const spool = report!.spoolPath!;
  assert.ok(isAbsolute(spool) && spool.startsWith(resolve(spoolDir)), spool);
  assert.ok(existsSync(spool));
  const warned = warnings.find((w) => w.includes("incomplete on the server"));
  assert.ok(warned?.includes(`kept in ${spool}`), warned);
  assert.ok(warned?.includes(`kiln runs --replay ${spool}`), warned);
  assert.ok(warnings.some((w) => w.includes("training goes on") && w.includes(spool)));
  const { header } = readSpool(spool);
  assert.equal(header.tracking_uri, server.url);
  assert.equal((header.spec as { experimentName: string }).experimentName, "offline");

  // The server comes up: `kiln runs --replay <folder>` creates the run with its spec and sends everything.
  started.push(await server.start());
  // Asynchronously: the fake server answers from this process's event loop.
  const replay = await runCli(["runs", "--replay", join(spoolDir, "..")]);
  assert.equal(replay.status, 0, replay.stderr);
  assert.match(replay.stdout, new RegExp(`^sent ${spool} to ${server.url}: run [0-9a-f]+`, "m"));
  assert.equal(existsSync(spool), false, "a spool sent in full is removed");
  const [run] = [...server.runs.values()];
  assert.ok(run);
  assert.equal(run.info.status, "FINISHED");
  assert.ok(Number(run.info.start_time) <= t0 + 1000, "the run keeps the time it started, not the replay's");
  assert.equal(run.tags.get("mlflow.runName"), "r");
  assert.equal(run.params.get("net/hidden"), "8");
  assert.equal(run.metrics.length, 21);
});

test("a server that accepts and never answers: whenStarted and finalize return within their bounds", async () => {
  const hole = await blackhole();
  try {
    const warnings: string[] = [];
    const log = logger(hole.url, tempDir("kiln-mlflow-hole-"), warnings, { sender: { startWaitMs: 300 } });
    log.logMetrics({ loss: 1 }, 0);
    let t = Date.now();
    assert.equal(await log.whenStarted(), undefined);
    assert.ok(Date.now() - t < 2000, `whenStarted waited ${Date.now() - t} ms`);
    t = Date.now();
    const report = await log.endRun("success");
    assert.ok(Date.now() - t < QUICK_TRY_MS + 1500, `finalize waited ${Date.now() - t} ms`);
    assert.equal(report?.ok, false);
    assert.ok(report?.spoolPath && existsSync(report.spoolPath));
  } finally {
    await hole.close();
  }
});

test("a process whose server never answers exits right after its run ends, not after the request timeout", async () => {
  const hole = await blackhole();
  try {
    const spoolDir = tempDir("kiln-mlflow-exit-");
    const script = `
      import { MLFlowLogger } from ${JSON.stringify(join(ROOT, "src", "lightning", "loggers", "mlflow", "index.ts"))};
      const log = new MLFlowLogger({ tracking_uri: ${JSON.stringify(hole.url)}, spool_dir: ${JSON.stringify(spoolDir)}, warn: () => {} });
      log.logHyperparams({ a: 1 });
      await log.endRun("success");
      console.log("ended");`;
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((r) => child.on("close", r));
    assert.equal(code, 0);
    assert.match(out, /ended/);
    assert.ok(Date.now() - t0 < 15_000, `the process lived ${Date.now() - t0} ms (request timeout is 30 s)`);
    const files = readdirSync(spoolDir);
    assert.equal(files.length, 1);
    assert.ok(statSync(join(spoolDir, files[0]!)).size > 0);
  } finally {
    await hole.close();
  }
});
