// Restoring a checkpoint at the start of a stage (Lightning's _CheckpointConnector.restore_*): weights and
// datamodule state for every entry point; callbacks, optimizers, schedulers, loop counters and RNG for fit.
import type { Checkpoint } from "../../callbacks/callback.js";
import { restorePrecisionState } from "../precision.js";
import type { Trainer } from "../trainer.js";
import { readCheckpoint, resolveCheckpointPath, restoreRngState } from "./checkpoint-connector.js";

/** Loads `ckptPath` ("best", "last" or a path) into the module, datamodule and (fit) callbacks. */
export async function loadCheckpointForStage(
  t: Trainer,
  fn: "fit" | "validate" | "test" | "predict",
  ckptPath: string | null,
): Promise<Checkpoint | null> {
  if (ckptPath === null) {
    t.ckptPath = null;
    return null;
  }
  if (fn === "fit" && ckptPath === "best") {
    throw new Error(
      'ckptPath="best" is only valid for validate/test/predict; fit resumes from "last" or a path.',
    );
  }
  const path = resolveCheckpointPath(t, ckptPath);
  const checkpoint = readCheckpoint(path);
  t.ckptPath = path;
  const module = t.lightningModule;
  await t.hooks.module("onLoadCheckpoint", checkpoint);
  module.loadStateDict(checkpoint.state_dict as never);
  const dm = t.datamodule;
  if (dm !== null && checkpoint[dm.constructor.name] !== undefined) {
    dm.loadStateDict(checkpoint[dm.constructor.name] as Record<string, unknown>);
  }
  if (fn === "fit") {
    await t.hooks.callbacks("onLoadCheckpoint", [checkpoint]);
    const states = (checkpoint.callbacks ?? {}) as Record<string, unknown>;
    for (const cb of t.callbacks) {
      const state = states instanceof Map ? states.get(cb.stateKey) : states[cb.stateKey];
      if (state !== undefined) cb.loadStateDict(state as Record<string, unknown>);
    }
  }
  return checkpoint;
}

/** Optimizers, schedulers, loop counters and the RNG state from a checkpoint (fit only). */
export function restoreTrainingState(t: Trainer, checkpoint: Checkpoint): void {
  const where = `checkpoint ${t.ckptPath}`;
  restorePrecisionState(t, checkpoint); // Lightning restores the precision plugin (scaler) first
  const optimStates = (checkpoint.optimizer_states ?? []) as unknown[];
  if (optimStates.length !== t.optimizers.length) {
    throw new Error(
      `${where} holds ${optimStates.length} optimizer state(s) but configureOptimizers returned ` +
        `${t.optimizers.length}; resume with the same optimizer setup.`,
    );
  }
  for (const [i, o] of t.optimizers.entries()) o.loadStateDict(optimStates[i] as never);
  const schedStates = (checkpoint.lr_schedulers ?? []) as unknown[];
  t.lrSchedulerConfigs.forEach((c, i) => {
    if (schedStates[i] !== undefined) c.scheduler.loadStateDict(schedStates[i] as never);
  });
  t.progress.load(checkpoint.loops, where);
  restoreRngState(t, checkpoint);
}
