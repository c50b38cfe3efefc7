/**
 * `kiln eval` (the template's src/eval.py): test a checkpoint. `ckpt_path` is required; the datamodule, model,
 * loggers and trainer come from the config, and the test metrics are returned.
 */

import { type DictConfig, nodeOfView, select } from "./config/index.js";
import { instantiateRun, releaseObjects } from "./train.js";
import { shareRunDirWithRanks } from "./utils/ddp-launch.js";
import { type ExtrasOptions, extras } from "./utils/extras.js";
import { setupProjectRoot } from "./utils/project-root.js";
import { RankedLogger } from "./utils/ranked-logger.js";
import { type TaskResult, taskWrapper } from "./utils/task-wrapper.js";

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
  const { datamodule, model, trainer } = await instantiateRun(cfg, objects, false);
  log.info("Starting testing!");
  await trainer.test(model, { datamodule, ckptPath });
  // for predictions use trainer.predict(...)
  return { ...trainer.callbackMetrics };
});

/** The `kiln eval` task: extras, then evaluate. */
export async function evalMain(cfg: DictConfig, opts: ExtrasOptions = {}): Promise<Record<string, number>> {
  setupProjectRoot(); // configs read ${oc.env:PROJECT_ROOT}; the CLI sets it, a script may not have
  await extras(cfg, opts);
  const { metricDict, objectDict } = await evaluate(cfg);
  releaseObjects(objectDict);
  return metricDict;
}
