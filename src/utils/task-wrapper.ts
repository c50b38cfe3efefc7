/**
 * The task wrapper (the template's `task_wrapper`): runs a task, logs a failure with its stack to the job's
 * log file before re-raising it, and whatever happens closes every logger the task created with the status
 * that fits (success, failed, or interrupted for Ctrl-C and SIGTERM) and prints the output dir. Closing loggers even on
 * failure keeps a multirun's later jobs (and MLflow run statuses) sane.
 */
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import type { DictConfig } from "../config/index.js";
import type { Callback } from "../lightning/callbacks/callback.js";
import type { LightningDataModule } from "../lightning/datamodule.js";
import type { FinalizeStatus, Logger } from "../lightning/loggers/logger.js";
import type { LightningModule } from "../lightning/module.js";
import { InterruptSignal } from "../lightning/trainer/interrupt.js";
import type { Trainer } from "../lightning/trainer/trainer.js";
import { RankedLogger } from "./ranked-logger.js";

const log = new RankedLogger("src.utils.utils", true);

/** The objects a task builds (filled in as it goes, so the wrapper can close what exists on failure). */
export interface TaskObjects {
  cfg: DictConfig;
  datamodule?: LightningDataModule;
  model?: LightningModule;
  callbacks?: Callback[];
  logger?: Logger[];
  trainer?: Trainer;
  [key: string]: unknown;
}

/** Frees the data and weights of a finished task: the jobs of a sweep run one after another in one process. */
export function releaseObjects(objects: TaskObjects): void {
  objects.datamodule?.dispose();
  objects.model?.dispose();
}

/** What a task returns: its metrics and the objects it built. */
export interface TaskResult {
  metricDict: Record<string, number>;
  objectDict: TaskObjects;
}

/** A task body: fills `objects` and returns the merged metrics. */
export type TaskBody = (cfg: DictConfig, objects: TaskObjects) => Promise<Record<string, number>>;

function statusOf(error: unknown): FinalizeStatus {
  return error instanceof InterruptSignal ? "interrupted" : "failed"; // Ctrl-C or SIGTERM
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

/** The files of a run folder that go to the trackers as artifacts (relative paths, kept as artifact paths). */
export const RUN_ARTIFACTS = [
  ".hydra/config.yaml",
  ".hydra/hydra.yaml",
  ".hydra/overrides.yaml",
  "config_tree.log",
  "tags.log",
] as const;

/**
 * Copies the run folder's config files (RUN_ARTIFACTS that exist) into the artifacts of every logger that
 * has artifacts and a started run, so a tracked run says how it was configured. Failures are warnings.
 */
export async function logRunArtifacts(loggers: readonly Logger[], outputDir: string): Promise<void> {
  const present = RUN_ARTIFACTS.filter((rel) => existsSync(join(outputDir, rel)));
  for (const logger of loggers) {
    if (typeof logger.logArtifact !== "function") continue;
    // A logger that never started its run (the task failed first) gets no run just for these files.
    if ((logger as { runStarted?: boolean }).runStarted === false) continue;
    for (const rel of present) {
      const folder = posix.dirname(rel);
      try {
        await logger.logArtifact(join(outputDir, rel), folder === "." ? undefined : folder);
      } catch (e) {
        log.warning(
          `Logging artifact ${rel} to ${logger.constructor.name} failed: ${e instanceof Error ? e.message : e}`,
        );
      }
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
      const outputDir = outputDirOf(cfg);
      if (outputDir !== null) await logRunArtifacts(objects.logger ?? [], outputDir);
      await closeLoggers(objects.logger ?? [], status);
      log.info(`Output dir: ${outputDir ?? "(unknown: paths.output_dir does not resolve)"}`);
    }
  };
}

function outputDirOf(cfg: DictConfig): string | null {
  try {
    return String(cfg.paths.output_dir);
  } catch {
    return null;
  }
}
