// The loggers and callbacks a Trainer gets from its flags, as Lightning's connectors build them: a default
// logger, a default ModelCheckpoint / ModelSummary / progress bar, and checkpoint callbacks ordered last.
import { Callback } from "../../callbacks/callback.js";
import { ModelCheckpoint } from "../../callbacks/model-checkpoint.js";
import { ModelSummary } from "../../callbacks/model-summary.js";
import { TQDMProgressBar } from "../../callbacks/progress-bar.js";
import { Timer } from "../../callbacks/timer.js";
import { CSVLogger } from "../../loggers/csv.js";
import type { Logger } from "../../loggers/logger.js";
import { isCheckpointCallback } from "../hooks.js";
import type { ResolvedTrainerOptions, TrainerOptions } from "../options.js";

/** The loggers for a `logger` flag: true/undefined gives a CSVLogger in default_root_dir; fast_dev_run gives none. */
export function buildLoggers(flag: TrainerOptions["logger"], options: ResolvedTrainerOptions): Logger[] {
  if (options.fastDevRun !== false) return [];
  if (flag === false || flag === null) return [];
  if (flag === undefined || flag === true) return [new CSVLogger({ save_dir: options.defaultRootDir })];
  return Array.isArray(flag) ? [...flag] : [flag];
}

/** The callbacks for a `callbacks` flag, with Lightning's defaults added and checkpoint callbacks last. */
export function buildCallbacks(
  flag: TrainerOptions["callbacks"],
  options: ResolvedTrainerOptions,
): Callback[] {
  const callbacks = flag === null || flag === undefined ? [] : Array.isArray(flag) ? [...flag] : [flag];
  for (const cb of callbacks) {
    if (!(cb instanceof Callback)) {
      throw new TypeError(`Trainer(callbacks=...): ${String(cb)} is not a Callback instance.`);
    }
  }
  const hasCheckpoint = callbacks.some(isCheckpointCallback);
  if (!options.enableCheckpointing && hasCheckpoint) {
    throw new Error(
      "Trainer was configured with `enable_checkpointing: false` but found `ModelCheckpoint` in callbacks list.",
    );
  }
  if (options.enableCheckpointing && !hasCheckpoint) callbacks.push(new ModelCheckpoint());
  if (options.enableModelSummary && !callbacks.some((cb) => cb instanceof ModelSummary)) {
    callbacks.push(new ModelSummary());
  }
  if (options.enableProgressBar && !callbacks.some(isProgressBar)) callbacks.push(new TQDMProgressBar());
  if (options.maxTime !== null && !callbacks.some((cb) => cb instanceof Timer)) {
    callbacks.push(new Timer({ duration: options.maxTime, interval: "step" }));
  }
  if (!options.enableProgressBar && callbacks.some(isProgressBar)) {
    throw new Error(
      "Trainer was configured with `enable_progress_bar: false` but found a progress bar in callbacks list.",
    );
  }
  return checkpointsLast(callbacks);
}

/** Lightning's _attach_model_callbacks: the module's callbacks replace trainer callbacks of the same class. */
export function mergeModelCallbacks(current: Callback[], fromModel: Callback[]): Callback[] {
  if (fromModel.length === 0) return current;
  const overridden = new Set(fromModel.map((cb) => cb.constructor));
  const kept = current.filter((cb) => !overridden.has(cb.constructor));
  return checkpointsLast([...kept, ...fromModel]);
}

function isProgressBar(cb: Callback): boolean {
  for (let p = Object.getPrototypeOf(cb); p !== null; p = Object.getPrototypeOf(p)) {
    const name = (p.constructor as { name?: string }).name;
    if (name === "ProgressBarBase" || name === "ProgressBar") return true;
  }
  return false;
}

function checkpointsLast(callbacks: Callback[]): Callback[] {
  return [...callbacks.filter((cb) => !isCheckpointCallback(cb)), ...callbacks.filter(isCheckpointCallback)];
}
