// Ctrl-C during fit: the current step finishes, nothing partial is saved, teardown runs, loggers are
// finalized as "interrupted"; a second Ctrl-C exits at once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { InterruptSignal, TerminateSignal } from "../../../src/lightning/trainer/interrupt.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { LinearModule, loader, MemoryLogger, QUIET, regressionData, tempDir } from "./helpers.js";

class CtrlCAtStep extends Callback {
  exceptions: unknown[] = [];
  teardowns = 0;
  constructor(
    readonly step: number,
    readonly signal: NodeJS.Signals = "SIGINT",
  ) {
    super();
  }
  override onTrainBatchEnd(trainer: Trainer) {
    if (trainer.globalStep === this.step) process.kill(process.pid, this.signal);
    // A second SIGTERM changes nothing (Lightning's handler only sets received_sigterm again).
    if (this.signal === "SIGTERM" && trainer.globalStep === this.step + 1)
      process.kill(process.pid, "SIGTERM");
  }
  override onException(_t: Trainer, _m: unknown, e: unknown) {
    this.exceptions.push(e);
  }
  override teardown() {
    this.teardowns++;
  }
}

test("Ctrl-C stops fit between two steps, runs teardown and finalizes loggers as interrupted", async () => {
  const root = tempDir();
  const data = regressionData(64);
  const logger = new MemoryLogger();
  const probe = new CtrlCAtStep(3);
  let trainingSteps = 0;
  const model = new LinearModule({ trainingStep: () => void trainingSteps++ });
  const trainer = new Trainer({
    ...QUIET,
    max_epochs: 1000,
    logger,
    enable_checkpointing: true,
    default_root_dir: root,
    callbacks: [probe],
  });
  await assert.rejects(trainer.fit(model, { trainDataloaders: loader(data, 4) }), InterruptSignal);
  // The loop lets the event loop deliver the signal every few milliseconds, between two steps: the fit stops
  // at the first step boundary after that, never inside a step.
  assert.ok(trainer.globalStep >= 3, `stopped at step ${trainer.globalStep}`);
  assert.equal(trainingSteps, trainer.globalStep);
  assert.equal(trainer.state.status, "interrupted");
  assert.equal(probe.exceptions.length, 1);
  assert.equal(probe.teardowns, 1);
  assert.deepEqual(logger.finalized, ["interrupted"]);
  assert.deepEqual(readdirSync(root), [], "no checkpoint written");
  assert.equal(process.listenerCount("SIGINT"), 0, "the SIGINT listener is removed");
  data.dispose();
});

test("SIGTERM takes the same path: stop between steps, on_exception, teardown, loggers finalized as interrupted", async () => {
  const root = tempDir();
  const data = regressionData(64);
  const logger = new MemoryLogger();
  const probe = new CtrlCAtStep(3, "SIGTERM");
  const model = new LinearModule({});
  const trainer = new Trainer({
    ...QUIET,
    max_epochs: 1000,
    logger,
    default_root_dir: root,
    callbacks: [probe],
  });
  await assert.rejects(
    trainer.fit(model, { trainDataloaders: loader(data, 4) }),
    (e: unknown) => e instanceof TerminateSignal && e instanceof InterruptSignal && e.code === 0,
  );
  assert.ok(trainer.globalStep >= 3, `stopped at step ${trainer.globalStep}`);
  assert.equal(trainer.state.status, "interrupted");
  assert.ok(probe.exceptions[0] instanceof TerminateSignal);
  assert.equal(probe.teardowns, 1);
  assert.deepEqual(logger.finalized, ["interrupted"]);
  assert.equal(process.listenerCount("SIGTERM"), 0, "the SIGTERM listener is removed");
  data.dispose();
});

test("a second Ctrl-C exits the process at once (exit code 130)", { timeout: 60_000 }, async () => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "../../fixtures/lightning-trainer/sigint-child.ts")],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, OMP_NUM_THREADS: "1" },
    },
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), 50_000);
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("READY") && !out.includes("SENT")) {
        out += "SENT";
        child.kill("SIGINT");
      }
      if (out.includes("TEARDOWN")) resolve();
    });
    child.on("exit", () => reject(new Error(`child exited early: ${out}`)));
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
  });
  const t0 = Date.now();
  child.kill("SIGINT");
  const code = await exited;
  clearTimeout(killer);
  assert.equal(code, 130);
  assert.ok(Date.now() - t0 < 5000, "exited at once, not after the hanging teardown");
});

test("an error in a step propagates after on_exception and with loggers finalized as failed", async () => {
  const data = regressionData(8);
  const logger = new MemoryLogger();
  const probe = new CtrlCAtStep(-1);
  const model = new LinearModule({
    trainingStep: (_m, i) => {
      if (i === 1) throw new Error("boom in step 1");
    },
  });
  const trainer = new Trainer({ ...QUIET, max_epochs: 1, logger, callbacks: [probe] });
  await assert.rejects(trainer.fit(model, { trainDataloaders: loader(data, 4) }), /boom in step 1/);
  assert.equal(probe.exceptions.length, 1);
  assert.equal(probe.teardowns, 0, "Lightning does not run teardown hooks after an error");
  assert.deepEqual(logger.finalized, ["failed"]);
  assert.equal(trainer.state.status, "interrupted");
  data.dispose();
});
