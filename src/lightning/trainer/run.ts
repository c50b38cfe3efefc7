// One trainer entry point from start to end (Lightning's Trainer._run and _run_stage, with
// call._call_and_handle_interrupt): callbacks from the module, prepare_data, setup, checkpoint restore,
// optimizers, hyperparameter logging, the entry point's loop, teardown, loggers finalized; failures and Ctrl-C
// shut down cleanly (on_exception hooks, loggers marked failed/interrupted).
import { emitInfo } from "../callbacks/messages.js";
import { LightningDataModule } from "../datamodule.js";
import type { FinalizeStatus } from "../loggers/logger.js";
import { LightningModule } from "../module.js";
import { attachModelCallbacks } from "./connectors/callback-connector.js";
import { disposeTensors } from "./connectors/checkpoint-connector.js";
import { selectClusterCkptPath } from "./connectors/ckpt-path.js";
import type { StageInputs } from "./connectors/data-connector.js";
import { isOverridden } from "./hooks.js";
import { InterruptSignal } from "./interrupt.js";
import { initOptimizers } from "./optimization.js";
import type { TrainerFn } from "./states.js";
import type { Trainer } from "./trainer.js";
import type { MetricsDict, OptimizersConfig } from "./types.js";

/** Runs one entry point; returns what validate/test/predict return. */
export async function runEntryPoint(
  t: Trainer,
  fn: TrainerFn,
  model: LightningModule | null | undefined,
  inputs: StageInputs,
): Promise<unknown> {
  if (!(model instanceof LightningModule)) {
    const got = model
      ? `, got: ${(model as object).constructor.name}`
      : " when it hasn't been passed in a previous run";
    throw new TypeError(`\`Trainer.${fn}()\` requires a \`LightningModule\`${got}`);
  }
  const dm = inputs.datamodule ?? null;
  if (dm !== null && !(dm instanceof LightningDataModule)) {
    throw new TypeError(
      `\`Trainer.${fn}(datamodule=...)\` must be a \`LightningDataModule\`, got ${String(dm)}`,
    );
  }
  if (dm !== null && (inputs.trainDataloaders || inputs.valDataloaders || inputs.dataloaders)) {
    throw new Error(`You cannot pass both dataloaders and a datamodule to \`Trainer.${fn}\`.`);
  }
  t.attach(model, dm);
  t.dataConnector.attachData(inputs);
  t.state.fn = fn;
  t.state.status = "running";
  t.state.stage = null;
  t.shouldStop = false;
  t.signalConnector.install();
  t.requeueConnector.install();
  try {
    if (t.barebones) {
      // no progress bar in barebones can make it look like the Trainer hung (Lightning's words)
      emitInfo(
        "`Trainer(barebones=True)` started running. The progress bar is disabled so you might want to manually " +
          "print the progress in your model.",
      );
    }
    const result = await runStage(t, fn, model, dm, inputs);
    t.state.status = "finished";
    await finalizeLoggers(t, "success");
    return result;
  } catch (error) {
    t.state.status = "interrupted";
    await shutdown(t, error, fn);
    throw error;
  } finally {
    if (fn === "fit") t.fitLoop.teardown();
    t.signalConnector.uninstall();
    t.requeueConnector.uninstall();
    t.state.stage = null;
    if (t.profiler !== null) process.stdout.write(`${t.profiler.report(fn)}\n`);
  }
}

async function shutdown(t: Trainer, error: unknown, fn: TrainerFn): Promise<void> {
  const interrupted = error instanceof InterruptSignal;
  try {
    await t.hooks.callbacks("onException", [error]);
    await t.hooks.datamodule("onException", error);
    if (interrupted) await teardownHooks(t, fn);
  } finally {
    await finalizeLoggers(t, interrupted ? "interrupted" : "failed");
  }
}

async function finalizeLoggers(t: Trainer, status: FinalizeStatus): Promise<void> {
  for (const logger of t.loggers) await logger.finalize(status);
}

async function teardownHooks(t: Trainer, fn: TrainerFn): Promise<void> {
  await t.hooks.datamodule("teardown", fn);
  await t.hooks.callbacks("teardown", [fn]);
  await t.hooks.module("teardown", fn);
}

async function runStage(
  t: Trainer,
  fn: TrainerFn,
  model: LightningModule,
  dm: LightningDataModule | null,
  inputs: StageInputs,
): Promise<unknown> {
  const hooks = t.hooks;
  await attachModelCallbacks(t);
  if (dm !== null && isOverridden("prepareData", dm, LightningDataModule.prototype))
    await hooks.datamodule("prepareData");
  if (isOverridden("prepareData", model)) await hooks.module("prepareData");
  for (const logger of t.loggers) void logger.experiment;
  if (dm !== null) await hooks.datamodule("setup", fn);
  await hooks.callbacks("setup", [fn]);
  await hooks.module("setup", fn);
  if (isOverridden("configureModel", model)) await hooks.module("configureModel");

  const checkpoint = await t.checkpointConnector.restoreForStage(fn, clusterCkptPath(t, fn, inputs.ckptPath));
  try {
    t.loggerConnector.resetResults();
    t.loggerConnector.resetMetrics();
    model.to(t.device);
    t.precisionPlugin.convertModule(model);
    if (fn === "fit") {
      const config = (await hooks.module("configureOptimizers")) as OptimizersConfig;
      const { optimizers, schedulers } = initOptimizers(config);
      if (optimizers.length > 1 && model.automaticOptimization) {
        throw new Error(
          "Training with multiple optimizers is only supported with manual optimization. Set " +
            "`this.automaticOptimization = false`, then access your optimizers in `trainingStep` with " +
            "`const [opt1, opt2] = this.optimizers()`.",
        );
      }
      checkManualOptimization(t, model);
      t.optimizers = optimizers;
      t.lrSchedulerConfigs = schedulers;
      await hooks.callbacks("onFitStart");
      await hooks.module("onFitStart");
    }
    t.loggerConnector.logHyperparams(model, t.datamodule);
    if (fn === "fit" && checkpoint !== null) t.checkpointConnector.restoreTrainingState(checkpoint);
  } finally {
    if (checkpoint !== null) disposeTensors(checkpoint);
  }

  let result: unknown;
  if (fn === "fit") {
    await t.fitLoop.run();
    await hooks.callbacks("onFitEnd");
    await hooks.module("onFitEnd");
  } else if (fn === "predict") {
    result = await predict(t);
  } else {
    result = await evaluate(t, fn, inputs.verbose ?? true);
  }
  await teardownHooks(t, fn);
  return result;
}

async function evaluate(t: Trainer, fn: "validate" | "test", verbose: boolean): Promise<MetricsDict[]> {
  const stage = fn === "validate" ? "val" : "test";
  const loop = fn === "validate" ? t.validateLoop : t.testLoop;
  loop.loaders = await t.dataConnector.loaders(stage);
  if (loop.loaders.length === 0) {
    throw new Error(`No \`${stage}Dataloader()\` method defined to run \`Trainer.${fn}\`.`);
  }
  loop.maxBatches = t.dataConnector.limits(stage, loop.loaders);
  t.state.stage = fn;
  const results = await loop.run();
  // Lightning prints the results table on global rank 0 only.
  if (verbose && t.isGlobalZero) printResults(fn, results);
  return results;
}

async function predict(t: Trainer): Promise<unknown> {
  const loop = t.predictLoop;
  loop.loaders = await t.dataConnector.loaders("predict");
  if (loop.loaders.length === 0)
    throw new Error("No `predictDataloader()` method defined to run `Trainer.predict`.");
  loop.maxBatches = t.dataConnector.limits("predict", loop.loaders);
  t.state.stage = "predict";
  return loop.run();
}

function printResults(fn: string, results: MetricsDict[]): void {
  const rows = results.flatMap((r, i) => Object.entries(r).map(([k, v]) => [k, String(v), i] as const));
  if (rows.length === 0) return;
  const title = fn === "test" ? "Test metric" : "Validate metric";
  const width = Math.max(title.length, ...rows.map((r) => r[0].length));
  const lines = [
    `${title.padEnd(width)}  DataLoader`,
    ...rows.map(([k, v, i]) => `${k.padEnd(width)}  ${i}: ${v}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

// The checkpoint a stage starts from when a cluster restarted or requeued it (ckpt-path.ts); says so.
function clusterCkptPath(t: Trainer, fn: TrainerFn, given: string | null | undefined): string | null {
  const chosen = selectClusterCkptPath(fn, given ?? null, t.defaultRootDir, process.env);
  if (chosen.note === null) return chosen.ckptPath;
  let path = chosen.ckptPath;
  try {
    if (path === "last") path = t.checkpointConnector.resolvePath("last");
  } catch {
    emitInfo(`${chosen.note}, but none was saved yet: training from the start.`);
    return null;
  }
  emitInfo(`${chosen.note}.\nRestoring states from the checkpoint path at ${path}`);
  return path;
}

/** Lightning's __verify_manual_optimization_support: the flags that automate what a manual module does itself. */
function checkManualOptimization(t: Trainer, model: LightningModule): void {
  if (model.automaticOptimization) return;
  if (t.gradientClipVal !== null && t.gradientClipVal > 0) {
    throw new Error(
      "Automatic gradient clipping is not supported for manual optimization. " +
        `Remove \`Trainer(gradient_clip_val=${t.gradientClipVal})\` or switch to automatic optimization.`,
    );
  }
  if (t.accumulateGradBatches !== 1) {
    throw new Error(
      "Automatic gradient accumulation is not supported for manual optimization. " +
        `Remove \`Trainer(accumulate_grad_batches=${t.accumulateGradBatches})\` or switch to automatic optimization.`,
    );
  }
}
