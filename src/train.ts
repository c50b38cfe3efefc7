/**
 * `kiln train` (the template's src/train.py): instantiate the datamodule, model, callbacks, loggers and
 * trainer from the config, log hyperparameters, fit (resuming from `ckpt_path`), test with the best
 * checkpoint, and return the merged metrics; `main` adds `extras` before and `optimized_metric` after.
 */

import { currentJobTrial, type DictConfig, instantiate, nodeOfView, toContainer } from "./config/index.js";
import type { Callback } from "./lightning/callbacks/callback.js";
import { OptunaPruningCallback } from "./lightning/callbacks/optuna-pruning.js";
import type { LightningDataModule } from "./lightning/datamodule.js";
import type { Logger } from "./lightning/loggers/logger.js";
import type { LightningModule } from "./lightning/module.js";
import type { Trainer } from "./lightning/trainer/trainer.js";
import { cfgGet, truthy } from "./utils/config-access.js";
import { shareRunDirWithRanks } from "./utils/ddp-launch.js";
import { type ExtrasOptions, extras } from "./utils/extras.js";
import { instantiateCallbacks, instantiateLoggers } from "./utils/instantiators.js";
import { logHyperparameters } from "./utils/log-hyperparameters.js";
import { getMetricValue } from "./utils/metric-value.js";
import { setupProjectRoot } from "./utils/project-root.js";
import { RankedLogger } from "./utils/ranked-logger.js";
import { seedEverything } from "./utils/seed.js";
import { registerKilnTargets } from "./utils/targets.js";
import { type TaskObjects, type TaskResult, taskWrapper } from "./utils/task-wrapper.js";

const log = new RankedLogger("src.train", true);

/** Builds datamodule, model, callbacks, loggers and trainer into `objects` (shared by train and eval). */
export async function instantiateRun(
  cfg: DictConfig,
  objects: TaskObjects,
  withCallbacks: boolean,
): Promise<{ datamodule: LightningDataModule; model: LightningModule; trainer: Trainer }> {
  registerKilnTargets();
  log.info(`Instantiating datamodule <${cfg.data._target_}>`);
  const datamodule = await instantiate<LightningDataModule>(cfg.data);
  objects.datamodule = datamodule;
  // Kiln's datamodules decide their data source in prepareData (idempotent, shared while running): starting it
  // now overlaps a download, or the failing attempt of an offline machine, with loading libtorch for the model.
  // Its outcome, an error included, reaches the Trainer's own call (or the hyperparameters' below).
  const preparable = datamodule as LightningDataModule & { resolvedSource?: unknown };
  if (preparable.resolvedSource === null) Promise.resolve(preparable.prepareData()).catch(() => {});
  try {
    log.info(`Instantiating model <${cfg.model._target_}>`);
    const model = await instantiate<LightningModule>(cfg.model);
    objects.model = model;
    const callbacks = withCallbacks ? await instantiateCallbacks(cfgGet(cfg, "callbacks")) : [];
    if (withCallbacks) callbacks.push(...pruningCallbacks(cfg));
    if (withCallbacks) {
      log.info("Instantiating callbacks...");
      objects.callbacks = callbacks;
    }
    log.info("Instantiating loggers...");
    const logger = await instantiateLoggers(cfgGet(cfg, "logger"));
    objects.logger = logger;
    log.info(`Instantiating trainer <${cfg.trainer._target_}>`);
    const extra = withCallbacks ? { callbacks, logger } : { logger };
    const trainer = await instantiate<Trainer>(cfg.trainer, extra);
    objects.trainer = trainer;
    // Resuming a fit continues the checkpoint's tracker runs: the ids must reach the loggers before the
    // hyperparameters below start their runs (the trainer would otherwise do it at fit, too late).
    const ckptPath = cfgGet(cfg, "ckpt_path");
    if (withCallbacks && truthy(cfgGet(cfg, "train")) && typeof ckptPath === "string" && ckptPath !== "") {
      trainer.resumeLoggerRuns(ckptPath);
    }
    if (logger.length > 0) {
      // Kiln's datamodules decide their data source in prepareData (idempotent; the trainer's call then does
      // nothing): doing it now lets the hyperparameters say which data the run used.
      if (preparable.resolvedSource === null) await preparable.prepareData();
      log.info("Logging hyperparameters!");
      logHyperparameters({ cfg, model, datamodule, trainer });
      tagRuns(logger, cfgGet(cfg, "tags"));
    }
    return { datamodule, model, trainer };
  } catch (e) {
    // Nothing will use the data now: stop its preparation (a hanging download would keep the process alive).
    (datamodule as LightningDataModule & { dispose?: () => void }).dispose?.();
    throw e;
  }
}

/**
 * In a sweep whose sweeper prunes (an Optuna sweeper with a pruner), the callback that reports the
 * optimized metric to the job's trial after each validation and stops the fit when the trial is pruned.
 */
function pruningCallbacks(cfg: DictConfig): Callback[] {
  const trial = currentJobTrial();
  if (trial === null) return [];
  const monitor = cfgGet(cfg, "optimized_metric");
  if (typeof monitor !== "string" || monitor === "") {
    log.warning(
      "The sweeper prunes trials, but `optimized_metric` is not set: no metric is reported to the trial.",
    );
    return [];
  }
  return [new OptunaPruningCallback({ trial, monitor })];
}

/** The config's `tags` list as tracker tags (`<tag>: true`), for the loggers that have run tags (MLflow). */
export function tagRuns(loggers: readonly Logger[], tags: unknown): void {
  const node = nodeOfView(tags);
  const list = node === undefined ? tags : toContainer(node, { resolve: true });
  if (!Array.isArray(list) || list.length === 0) return;
  const asTags = Object.fromEntries(list.map((tag) => [String(tag), "true"]));
  for (const logger of loggers) {
    const taggable = logger as Logger & { setTags?: (tags: Record<string, unknown>) => void };
    if (typeof taggable.setTags === "function") taggable.setTags(asTags);
  }
}

/** Trains (and tests) per `cfg`; returns the merged train+test metrics and the objects it built. */
export const train: (cfg: DictConfig) => Promise<TaskResult> = taskWrapper(async (cfg, objects) => {
  const seed = cfgGet(cfg, "seed");
  if (truthy(seed)) await seedEverything(Number(seed));
  await shareRunDirWithRanks();
  const { datamodule, model, trainer } = await instantiateRun(cfg, objects, true);

  if (truthy(cfgGet(cfg, "train"))) {
    log.info("Starting training!");
    const ckptPath = cfgGet(cfg, "ckpt_path") as string | null;
    await trainer.fit(model, { datamodule, ckptPath });
  }
  const trainMetrics = { ...trainer.callbackMetrics };

  if (truthy(cfgGet(cfg, "test"))) {
    log.info("Starting testing!");
    const checkpoint = trainer.checkpointCallback as { bestModelPath?: string } | null;
    let ckptPath: string | null = checkpoint?.bestModelPath ?? "";
    if (ckptPath === "") {
      log.warning("Best ckpt not found! Using current weights for testing...");
      ckptPath = null;
    }
    await trainer.test(model, { datamodule, ckptPath });
    log.info(`Best ckpt path: ${ckptPath ?? "None"}`);
  }
  const testMetrics = { ...trainer.callbackMetrics };
  // merge train and test metrics
  return { ...trainMetrics, ...testMetrics };
});

/** Frees the data and weights of a finished run: the jobs of a sweep run one after another in one process. */
export function releaseObjects(objects: TaskObjects): void {
  for (const key of ["datamodule", "model"]) {
    const owner = objects[key] as { dispose?: () => void } | undefined;
    owner?.dispose?.();
  }
}

/** The `kiln train` task: extras, train, then the value of `optimized_metric` (what a sweep optimizes). */
export async function trainMain(cfg: DictConfig, opts: ExtrasOptions = {}): Promise<number | null> {
  setupProjectRoot(); // configs read ${oc.env:PROJECT_ROOT}; the CLI sets it, a script may not have
  await extras(cfg, opts);
  const { metricDict, objectDict } = await train(cfg);
  releaseObjects(objectDict);
  return getMetricValue(metricDict, cfgGet(cfg, "optimized_metric") as string | null);
}
