/**
 * Instantiating the `callbacks` and `logger` groups (the template's instantiators): every entry that has a
 * `_target_` becomes an object; other entries (e.g. options merged by an experiment for a logger that is not
 * selected) are skipped, as in the template.
 */
import { type DictConfig, instantiate } from "../config/index.js";
import type { Callback } from "../lightning/callbacks/callback.js";
import type { Logger } from "../lightning/loggers/logger.js";
import { truthy } from "./config-access.js";
import { RankedLogger } from "./ranked-logger.js";

const log = new RankedLogger("src.utils.instantiators", true);

async function instantiateGroup<T>(groupCfg: unknown, what: "callback" | "logger"): Promise<T[]> {
  const out: T[] = [];
  if (!truthy(groupCfg)) {
    log.warning(`No ${what} configs found! Skipping..`);
    return out;
  }
  if (typeof groupCfg !== "object" || Array.isArray(groupCfg)) {
    const label = what === "callback" ? "Callbacks" : "Logger";
    throw new TypeError(`${label} config must be a DictConfig (a mapping of names to configs)!`);
  }
  for (const conf of Object.values(groupCfg as DictConfig)) {
    if (conf !== null && typeof conf === "object" && !Array.isArray(conf) && "_target_" in conf) {
      log.info(`Instantiating ${what} <${conf._target_}>`);
      out.push(await instantiate<T>(conf));
    }
  }
  return out;
}

/** Instantiates the callbacks of `cfg.callbacks` (an empty list when there are none). */
export function instantiateCallbacks(callbacksCfg: unknown): Promise<Callback[]> {
  return instantiateGroup<Callback>(callbacksCfg, "callback");
}

/** Instantiates the loggers of `cfg.logger` (an empty list when there are none). */
export function instantiateLoggers(loggerCfg: unknown): Promise<Logger[]> {
  return instantiateGroup<Logger>(loggerCfg, "logger");
}
