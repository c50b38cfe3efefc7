/**
 * The task wrapper (the template's `task_wrapper`): runs a task, logs a failure with its stack to the job's
 * log file before re-raising it, and whatever happens closes every logger the task created with the status
 * that fits (success, failed, or interrupted for Ctrl-C) and prints the output dir. Closing loggers even on
 * failure keeps a multirun's later jobs (and MLflow run statuses) sane.
 */
import type { DictConfig } from "../config/index.js";
import { getLogger } from "../config/run/logger.js";
import type { FinalizeStatus, Logger } from "../lightning/loggers/logger.js";

const log = getLogger("src.utils.utils");

/** The objects a task builds (filled in as it goes, so the wrapper can close what exists on failure). */
export interface TaskObjects {
  cfg: DictConfig;
  datamodule?: unknown;
  model?: unknown;
  callbacks?: unknown[];
  logger?: Logger[];
  trainer?: unknown;
  [key: string]: unknown;
}

/** What a task returns: its metrics and the objects it built. */
export interface TaskResult {
  metricDict: Record<string, number>;
  objectDict: TaskObjects;
}

/** A task body: fills `objects` and returns the merged metrics. */
export type TaskBody = (cfg: DictConfig, objects: TaskObjects) => Promise<Record<string, number>>;

function statusOf(error: unknown): FinalizeStatus {
  return error instanceof Error && error.name === "KeyboardInterrupt" ? "interrupted" : "failed";
}

/** Closes `loggers` with `status`; a logger that fails to close is reported, not thrown. */
export async function closeLoggers(loggers: readonly Logger[], status: FinalizeStatus): Promise<void> {
  if (loggers.length > 0) log.info("Closing loggers...");
  for (const logger of loggers) {
    try {
      await logger.finalize(status);
    } catch (e) {
      log.warning(`Closing logger ${logger.constructor.name} failed: ${e instanceof Error ? e.message : e}`);
    }
  }
}

/** Wraps a task body with failure logging, logger closing and the output dir line. */
export function taskWrapper(body: TaskBody): (cfg: DictConfig) => Promise<TaskResult> {
  return async (cfg: DictConfig) => {
    const objects: TaskObjects = { cfg };
    let status: FinalizeStatus = "success";
    try {
      const metricDict = await body(cfg, objects);
      return { metricDict, objectDict: objects };
    } catch (e) {
      status = statusOf(e);
      log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      throw e;
    } finally {
      await closeLoggers(objects.logger ?? [], status);
      log.info(`Output dir: ${outputDirOf(cfg)}`);
    }
  };
}

function outputDirOf(cfg: DictConfig): string {
  try {
    return String(cfg.paths.output_dir);
  } catch {
    return "(unknown: paths.output_dir does not resolve)";
  }
}
