// Lightning's _CallbackConnector: the callbacks a Trainer gets from its flags (a default ModelCheckpoint /
// ModelSummary / progress bar / Timer) and from the module's configureCallbacks, checkpoint callbacks ordered last.
import { Callback } from "../../callbacks/callback.js";
import { ModelCheckpoint } from "../../callbacks/model-checkpoint.js";
import { ModelSummary } from "../../callbacks/model-summary.js";
import { ProgressBarBase, TQDMProgressBar } from "../../callbacks/progress-bar.js";
import { Timer } from "../../callbacks/timer.js";
import { isCheckpointCallback } from "../hooks.js";
import type { ResolvedTrainerOptions, TrainerOptions } from "../options.js";
import type { Trainer } from "../trainer.js";

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

/**
 * Lightning's _attach_model_callbacks: what the module's configureCallbacks() returns replaces the trainer's
 * callbacks of the same classes.
 */
export async function attachModelCallbacks(trainer: Trainer): Promise<void> {
  const fromModel = await trainer.hooks.module("configureCallbacks");
  const modelCallbacks = fromModel === undefined || fromModel === null ? [] : [fromModel].flat();
  if (modelCallbacks.some((cb) => !(cb instanceof Callback))) {
    throw new TypeError("configureCallbacks() must return Callback instances.");
  }
  trainer.callbacks = mergeModelCallbacks(trainer.callbacks, modelCallbacks as Callback[]);
}

/** The module's callbacks replace trainer callbacks of the same class. */
function mergeModelCallbacks(current: Callback[], fromModel: Callback[]): Callback[] {
  if (fromModel.length === 0) return current;
  const overridden = new Set(fromModel.map((cb) => cb.constructor));
  const kept = current.filter((cb) => !overridden.has(cb.constructor));
  return checkpointsLast([...kept, ...fromModel]);
}

function isProgressBar(cb: Callback): boolean {
  return cb instanceof ProgressBarBase;
}

function checkpointsLast(callbacks: Callback[]): Callback[] {
  return [...callbacks.filter((cb) => !isCheckpointCallback(cb)), ...callbacks.filter(isCheckpointCallback)];
}
