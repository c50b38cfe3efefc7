/**
 * `kiln train` (the template's src/train.py): instantiate the datamodule, model, callbacks, loggers and
 * trainer from the config, log hyperparameters, fit (resuming from `ckpt_path`), test with the best
 * checkpoint, and return the merged metrics; `trainMain` adds the project root and `extras` before and the
 * `optimized_metric` after.
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
import { configSeed, seedEverything } from "./utils/seed.js";
import { registerKilnTargets } from "./utils/targets.js";
import { releaseObjects, type TaskObjects, type TaskResult, taskWrapper } from "./utils/task-wrapper.js";

const log = new RankedLogger("src.train", true);

/** The objects of a run, as the template's train.py and eval.py instantiate them. */
export interface RunObjects {
  datamodule: LightningDataModule;
  model: LightningModule;
  callbacks: Callback[];
  logger: Logger[];
  trainer: Trainer;
}

/**
 * Instantiates the datamodule, model, callbacks (`withCallbacks`), loggers and trainer of `cfg`, recording
 * each in `objects` as it is made (so a failed task closes what exists), and waits for the data's preparation.
 */
export async function instantiateRun(
  cfg: DictConfig,
  objects: TaskObjects,
  withCallbacks: boolean,
): Promise<RunObjects> {
  registerKilnTargets();
  log.info(`Instantiating datamodule <${cfg.data._target_}>`);
  const datamodule = await instantiate<LightningDataModule>(cfg.data);
  objects.datamodule = datamodule;
  // Kiln: the data's preparation (a download, or the failing attempt of an offline machine) starts now and
  // overlaps loading libtorch for the model; it is awaited below, where its error surfaces.
  const dataPrepared = datamodule.prepareDataEarly();
  try {
    log.info(`Instantiating model <${cfg.model._target_}>`);
    const model = await instantiate<LightningModule>(cfg.model);
    objects.model = model;
    let callbacks: Callback[] = [];
    if (withCallbacks) {
      log.info("Instantiating callbacks...");
      callbacks = await instantiateCallbacks(cfgGet(cfg, "callbacks"));
      callbacks.push(...pruningCallbacks(cfg));
      objects.callbacks = callbacks;
    }
    log.info("Instantiating loggers...");
    const logger = await instantiateLoggers(cfgGet(cfg, "logger"));
    objects.logger = logger;
    log.info(`Instantiating trainer <${cfg.trainer._target_}>`);
    const trainer = await instantiate<Trainer>(
      cfg.trainer,
      withCallbacks ? { callbacks, logger } : { logger },
    );
    objects.trainer = trainer;
    await dataPrepared;
    return { datamodule, model, callbacks, logger, trainer };
  } catch (e) {
    // Nothing will use the data now: stop its preparation (a hanging download would keep the process alive).
    // The error that ended the task is the one reported; the preparation's own outcome no longer matters.
    datamodule.dispose();
    dataPrepared?.catch(() => {});
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
  // set seed for random number generators in torch and the data loaders
  const seed = configSeed(cfg);
  if (seed !== null) await seedEverything(seed);
  await shareRunDirWithRanks();

  const { datamodule, model, logger, trainer } = await instantiateRun(cfg, objects, true);

  const ckptPath = cfgGet(cfg, "ckpt_path") as string | null;
  // Resuming continues the checkpoint's tracker runs: the ids must reach the loggers before the
  // hyperparameters start their runs (fit would hand them over too late).
  if (truthy(cfgGet(cfg, "train")) && typeof ckptPath === "string" && ckptPath !== "") {
    trainer.resumeLoggerRuns(ckptPath);
  }
  if (logger.length > 0) {
    log.info("Logging hyperparameters!");
    logHyperparameters({ cfg, model, datamodule, trainer });
    tagRuns(logger, cfgGet(cfg, "tags"));
  }

  if (truthy(cfgGet(cfg, "train"))) {
    log.info("Starting training!");
    await trainer.fit(model, { datamodule, ckptPath });
  }
  const trainMetrics = { ...trainer.callbackMetrics };

  if (truthy(cfgGet(cfg, "test"))) {
    log.info("Starting testing!");
    const checkpoint = trainer.checkpointCallback as { bestModelPath?: string } | null;
    let bestPath: string | null = checkpoint?.bestModelPath ?? "";
    if (bestPath === "") {
      log.warning("Best ckpt not found! Using current weights for testing...");
      bestPath = null;
    }
    await trainer.test(model, { datamodule, ckptPath: bestPath });
    log.info(`Best ckpt path: ${bestPath ?? "None"}`);
  }
  const testMetrics = { ...trainer.callbackMetrics };
  // merge train and test metrics
  return { ...trainMetrics, ...testMetrics };
});

/** The `kiln train` task: the project root, extras, train, then the value of `optimized_metric` (what a sweep optimizes). */
export async function trainMain(cfg: DictConfig, opts: ExtrasOptions = {}): Promise<number | null> {
  setupProjectRoot(); // as the template's train.py does first: configs read ${oc.env:PROJECT_ROOT}
  await extras(cfg, opts);
  const { metricDict, objectDict } = await train(cfg);
  releaseObjects(objectDict);
  return getMetricValue(metricDict, cfgGet(cfg, "optimized_metric") as string | null);
}
