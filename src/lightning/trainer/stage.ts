// One trainer entry point from start to end (Lightning's Trainer._run): callbacks from the module,
// prepare_data, setup, checkpoint restore, optimizers, hyperparameter logging, the loop, teardown, loggers
// finalized; failures and Ctrl-C shut down cleanly (on_exception, loggers marked failed/interrupted).
import { Callback, type Stage } from "../callbacks/callback.js";
import { LightningDataModule } from "../datamodule.js";
import type { FinalizeStatus } from "../loggers/logger.js";
import { LightningModule } from "../module.js";
import { disposeTensors } from "./checkpoint-connector.js";
import { hasLoaderMethod, type Loader, loaderLength, loadersFor, withoutShuffle } from "./data.js";
import { newEvalProgress, runEvaluation, runPrediction } from "./evaluation-loop.js";
import { runFitLoop } from "./fit-loop.js";
import { isOverridden } from "./hooks.js";
import { InterruptSignal } from "./interrupt.js";
import { initOptimizers } from "./optimization.js";
import { loadCheckpointForStage, restoreTrainingState } from "./restore.js";
import type { InterruptHandler } from "./signals.js";
import type { Trainer } from "./trainer.js";
import type { MetricsDict, OptimizersConfig } from "./types.js";

/** The data and checkpoint arguments of fit/validate/test/predict. */
export interface StageInputs {
  datamodule?: LightningDataModule | null;
  /** fit: the training loader(s). */
  trainDataloaders?: Iterable<unknown> | null;
  /** fit: the validation loader(s). */
  valDataloaders?: Iterable<unknown> | Iterable<unknown>[] | null;
  /** validate/test/predict: the loader(s) to run. */
  dataloaders?: Iterable<unknown> | Iterable<unknown>[] | null;
  /** A checkpoint to start from: a path, "last", or (validate/test/predict) "best". */
  ckptPath?: string | null;
  /** validate/test: print the results table (default true). */
  verbose?: boolean;
}

type Fn = "fit" | "validate" | "test" | "predict";

/** Runs trainer entry points. */
export class StageRunner {
  constructor(
    private readonly trainer: Trainer,
    private readonly interrupts: InterruptHandler,
  ) {}

  /** Runs one entry point; returns what validate/test/predict return. */
  async run(fn: Fn, model: LightningModule | null | undefined, inputs: StageInputs): Promise<unknown> {
    const t = this.trainer;
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
    t.state.fn = fn;
    t.state.status = "running";
    t.state.stage = null;
    t.shouldStop = false;
    this.interrupts.install();
    try {
      const result = await this.runStage(fn, model, dm, inputs);
      t.state.status = "finished";
      await this.finalizeLoggers("success");
      return result;
    } catch (error) {
      t.state.status = "interrupted";
      await this.shutdown(error, fn);
      throw error;
    } finally {
      if (fn === "fit") t.rng.dispose();
      this.interrupts.uninstall();
      t.state.stage = null;
      if (t.profiler !== null) process.stdout.write(`${t.profiler.report(fn)}\n`);
    }
  }

  private async shutdown(error: unknown, fn: Fn): Promise<void> {
    const t = this.trainer;
    const interrupted = error instanceof InterruptSignal;
    try {
      await t.hooks.callbacks("onException", [error]);
      await t.hooks.datamodule("onException", error);
      if (interrupted) await this.teardownHooks(fn);
    } finally {
      await this.finalizeLoggers(interrupted ? "interrupted" : "failed");
    }
  }

  private async finalizeLoggers(status: FinalizeStatus): Promise<void> {
    for (const logger of this.trainer.loggers) await logger.finalize(status);
  }

  private async teardownHooks(fn: Fn): Promise<void> {
    const t = this.trainer;
    await t.hooks.datamodule("teardown", fn);
    await t.hooks.callbacks("teardown", [fn]);
    await t.hooks.module("teardown", fn);
  }

  private async runStage(
    fn: Fn,
    model: LightningModule,
    dm: LightningDataModule | null,
    inputs: StageInputs,
  ) {
    const t = this.trainer;
    const hooks = t.hooks;
    const fromModel = await hooks.module("configureCallbacks");
    const modelCallbacks = fromModel === undefined || fromModel === null ? [] : [fromModel].flat();
    if (modelCallbacks.some((cb) => !(cb instanceof Callback))) {
      throw new TypeError("configureCallbacks() must return Callback instances.");
    }
    t.attachModelCallbacks(modelCallbacks as Callback[]);
    if (dm !== null && isOverridden("prepareData", dm, LightningDataModule.prototype))
      await hooks.datamodule("prepareData");
    if (isOverridden("prepareData", model)) await hooks.module("prepareData");
    for (const logger of t.loggers) void logger.experiment;
    const stage: Stage = fn;
    if (dm !== null) await hooks.datamodule("setup", stage);
    await hooks.callbacks("setup", [stage]);
    await hooks.module("setup", stage);
    if (isOverridden("configureModel", model)) await hooks.module("configureModel");

    const checkpoint = await loadCheckpointForStage(t, fn, inputs.ckptPath ?? null);
    try {
      t.loggerConnector.resetResults();
      t.loggerConnector.resetMetrics();
      model.to(t.device);
      if (t.options.precision === "64-true") model.double();
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
        t.optimizers = optimizers;
        t.lrSchedulerConfigs = schedulers;
        await hooks.callbacks("onFitStart");
        await hooks.module("onFitStart");
      }
      this.logHyperparams();
      if (fn === "fit" && checkpoint !== null) restoreTrainingState(t, checkpoint);
    } finally {
      if (checkpoint !== null) disposeTensors(checkpoint);
    }

    let result: unknown;
    if (fn === "fit") await this.fit(inputs);
    else if (fn === "predict") result = await this.predict(inputs);
    else result = await this.evaluate(fn, inputs);
    if (fn === "fit") {
      await hooks.callbacks("onFitEnd");
      await hooks.module("onFitEnd");
    }
    await this.teardownHooks(fn);
    return result;
  }

  private logHyperparams(): void {
    const t = this.trainer;
    if (t.loggers.length === 0) return;
    const module = t.lightningModule;
    const dmHparams = t.datamodule?.hparams ?? {};
    for (const key of Object.keys(dmHparams)) {
      if (key in module.hparamsInitial && module.hparamsInitial[key] !== dmHparams[key]) {
        throw new Error(
          `Error while merging hparams: the keys [${key}] are present in both the LightningModule's and ` +
            "LightningDataModule's hparams but have different values.",
        );
      }
    }
    const hparams = { ...module.hparamsInitial, ...dmHparams };
    for (const logger of t.loggers) {
      logger.logHyperparams(hparams);
      logger.logGraph(module);
      logger.save();
    }
  }

  private loaders(stage: "train" | "val" | "test" | "predict", explicit: unknown): Promise<Loader[]> {
    return loadersFor(this.trainer, stage, explicit);
  }

  private async fit(inputs: StageInputs): Promise<void> {
    const t = this.trainer;
    const module = t.lightningModule;
    const valDefined = inputs.valDataloaders != null || hasLoaderMethod(t, "valDataloader");
    t.enableValidation =
      valDefined && isOverridden("validationStep", module) && t.options.limitValBatches.value > 0;
    let valLoaded = false;
    const loadVal = async () => {
      t.valDataloaders = await this.loaders("val", inputs.valDataloaders);
      t.numValBatches = t.valDataloaders.map((l) => t.limitFor("val", loaderLength(l)));
      valLoaded = true;
    };
    const restarting = t.progress.epoch.total.processed > 0;
    if (t.enableValidation && t.numSanityValSteps > 0 && !restarting) {
      t.state.stage = "sanity_check";
      t.loggerConnector.resetResults();
      t.loggerConnector.resetMetrics();
      await t.hooks.callbacks("onSanityCheckStart");
      await loadVal();
      t.numSanityValBatches = t.numValBatches.map((n) => Math.min(n, t.numSanityValSteps));
      const progress = newEvalProgress();
      await t.isolateRng(() =>
        runEvaluation(t, "validate", t.valDataloaders, t.numSanityValBatches, progress),
      );
      await t.hooks.callbacks("onSanityCheckEnd");
      t.loggerConnector.resetResults();
      t.loggerConnector.resetMetrics();
    }
    t.state.stage = "train";
    const [train] = await this.loaders("train", inputs.trainDataloaders);
    if (train === undefined) {
      throw new Error(
        "No `trainDataloader()` method defined. Define it in the LightningModule or the datamodule, or pass trainDataloaders.",
      );
    }
    t.trainDataloader = t.options.overfitBatches.value > 0 ? withoutShuffle(train) : train;
    t.numTrainingBatches = t.limitFor("train", loaderLength(train));
    const interval = t.options.valCheckInterval;
    if (interval.kind === "int") {
      if (interval.value > t.numTrainingBatches && t.checkValEveryNEpoch !== null) {
        throw new Error(
          `\`val_check_interval\` (${interval.value}) must be less than or equal to the number of the training ` +
            `batches (${t.numTrainingBatches}). Set \`check_val_every_n_epoch: null\` to count across epochs.`,
        );
      }
      t.valCheckBatch = interval.value;
    } else {
      t.valCheckBatch = Number.isFinite(t.numTrainingBatches)
        ? Math.max(1, Math.floor(t.numTrainingBatches * interval.value))
        : Number.POSITIVE_INFINITY;
    }
    if (t.enableValidation && !valLoaded) await loadVal();
    await runFitLoop(t);
  }

  private async evaluate(fn: "validate" | "test", inputs: StageInputs): Promise<MetricsDict[]> {
    const t = this.trainer;
    const stage = fn === "validate" ? "val" : "test";
    const loaders = await this.loaders(stage, inputs.dataloaders);
    if (loaders.length === 0) {
      throw new Error(`No \`${stage}Dataloader()\` method defined to run \`Trainer.${fn}\`.`);
    }
    const limits = loaders.map((l) => t.limitFor(stage, loaderLength(l)));
    if (fn === "validate") t.numValBatches = limits;
    else t.numTestBatches = limits;
    t.state.stage = fn;
    const progress = fn === "validate" ? t.validateProgress : t.testProgress;
    const results = await runEvaluation(t, fn, loaders, limits, progress);
    // Lightning prints the results table on global rank 0 only.
    if ((inputs.verbose ?? true) && t.isGlobalZero) printResults(fn, results);
    return results;
  }

  private async predict(inputs: StageInputs): Promise<unknown> {
    const t = this.trainer;
    const loaders = await this.loaders("predict", inputs.dataloaders);
    if (loaders.length === 0)
      throw new Error("No `predictDataloader()` method defined to run `Trainer.predict`.");
    t.predictDataloaders = loaders;
    const limits = loaders.map((l) => t.limitFor("predict", loaderLength(l)));
    t.numPredictBatches = limits;
    t.state.stage = "predict";
    return runPrediction(t, loaders, limits);
  }
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
