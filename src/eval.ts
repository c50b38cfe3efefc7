/**
 * `kiln eval` (the template's src/eval.py): test a checkpoint. `ckpt_path` is required; the datamodule, model,
 * loggers and trainer come from the config, and the test metrics are returned.
 */

import { type DictConfig, nodeOfView, select } from "./config/index.js";
import { instantiateRun, tagRuns } from "./train.js";
import { cfgGet } from "./utils/config-access.js";
import { shareRunDirWithRanks } from "./utils/ddp-launch.js";
import { type ExtrasOptions, extras } from "./utils/extras.js";
import { logHyperparameters } from "./utils/log-hyperparameters.js";
import { setupProjectRoot } from "./utils/project-root.js";
import { RankedLogger } from "./utils/ranked-logger.js";
import { releaseObjects, type TaskResult, taskWrapper } from "./utils/task-wrapper.js";

const log = new RankedLogger("src.eval", true);

function requireCkptPath(cfg: DictConfig): string {
  const root = nodeOfView(cfg);
  const value =
    root === undefined ? null : select(root, "ckpt_path", { default: null, throwOnMissing: false });
  if (typeof value !== "string" || value === "" || value === "???") {
    throw new Error(
      "`kiln eval` needs a checkpoint to evaluate: ckpt_path is not set. " +
        "Pass one, e.g. `kiln eval ckpt_path=logs/train/runs/<time>/checkpoints/last.ckpt`.",
    );
  }
  return value;
}

/** Tests the checkpoint `cfg.ckpt_path`; returns the test metrics and the objects built. */
export const evaluate: (cfg: DictConfig) => Promise<TaskResult> = taskWrapper(async (cfg, objects) => {
  await shareRunDirWithRanks();
  const ckptPath = requireCkptPath(cfg);
  const { datamodule, model, logger, trainer } = await instantiateRun(cfg, objects, false);
  if (logger.length > 0) {
    log.info("Logging hyperparameters!");
    logHyperparameters({ cfg, model, datamodule, trainer });
    tagRuns(logger, cfgGet(cfg, "tags"));
  }
  log.info("Starting testing!");
  await trainer.test(model, { datamodule, ckptPath });
  // for predictions use trainer.predict(...)
  return { ...trainer.callbackMetrics };
});

/** The `kiln eval` task: the project root, extras, then evaluate. */
export async function evalMain(cfg: DictConfig, opts: ExtrasOptions = {}): Promise<Record<string, number>> {
  setupProjectRoot(); // as the template's eval.py does first: configs read ${oc.env:PROJECT_ROOT}
  await extras(cfg, opts);
  const { metricDict, objectDict } = await evaluate(cfg);
  releaseObjects(objectDict);
  return metricDict;
}
