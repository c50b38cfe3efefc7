/**
 * What the template sends to every logger as hyperparameters: the model, data, trainer, callbacks and extras
 * configs, task_name, tags, ckpt_path, seed, the parameter counts of the model, and (Kiln) the data source the
 * datamodule actually used.
 */
import { type DictConfig, nodeOfView, toContainer } from "../config/index.js";
import type { Logger } from "../lightning/loggers/logger.js";
import { countParameters, type Module } from "../torch/nn/module.js";
import { cfgGet } from "./config-access.js";
import { currentRank, RankedLogger } from "./ranked-logger.js";

const log = new RankedLogger("src.utils.logging_utils", true);

/** The objects of a run that log_hyperparameters reads. */
export interface ObjectDict {
  cfg: DictConfig;
  model: Module;
  datamodule?: unknown;
  trainer: { loggers: readonly Logger[] };
  [key: string]: unknown;
}

function plain(value: unknown): unknown {
  const node = nodeOfView(value);
  return node === undefined ? value : toContainer(node, { resolve: true, keepFloats: true });
}

/** The hyperparameters dict of a run (LHT's keys and order). */
export function collectHyperparameters(objects: ObjectDict): Record<string, unknown> {
  const { cfg, model } = objects;
  const counts = countParameters(model);
  const hparams: Record<string, unknown> = {
    model: plain(cfgGet(cfg, "model")),
    "model/params/total": counts.total,
    "model/params/trainable": counts.trainable,
    "model/params/non_trainable": counts.nonTrainable,
    data: plain(cfgGet(cfg, "data")),
    trainer: plain(cfgGet(cfg, "trainer")),
    callbacks: plain(cfgGet(cfg, "callbacks")),
    extras: plain(cfgGet(cfg, "extras")),
    task_name: cfgGet(cfg, "task_name"),
    tags: plain(cfgGet(cfg, "tags")),
    ckpt_path: cfgGet(cfg, "ckpt_path"),
    seed: cfgGet(cfg, "seed"),
  };
  // The source the datamodule resolved (auto → idx/download/bundled) says which data the numbers are about.
  const resolved = (objects.datamodule as { resolvedSource?: string | null } | undefined)?.resolvedSource;
  if (resolved) hparams["data/resolved_source"] = resolved;
  return hparams;
}

/** Sends the run's hyperparameters to every logger of the trainer (warns when there is none). */
export function logHyperparameters(objects: ObjectDict): void {
  // The template's log_hyperparameters is @rank_zero_only: launched ranks re-run the app but log nothing.
  if (currentRank() !== 0) return;
  if (objects.trainer.loggers.length === 0) {
    log.warning("Logger not found! Skipping hyperparameter logging...");
    return;
  }
  const hparams = collectHyperparameters(objects);
  for (const logger of objects.trainer.loggers) logger.logHyperparams(hparams);
}
