// Lightning's _CheckpointConnector: what a checkpoint holds, with Lightning's keys in its order (see
// tests/fixtures/lightning/tiny.ckpt.txt), written with Kiln's torch.save (atomic, readable by Python's
// torch.load(weights_only=True)), and what a stage restores from one (weights for every entry point; callbacks,
// optimizers, schedulers, loop counters and the RNG state for fit).
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { makeDirs } from "../../../common/files.js";
import { getRngState, setRngState } from "../../../torch/generator.js";
import { load, save } from "../../../torch/serialization/index.js";
import { markOrderedDict } from "../../../torch/serialization/types.js";
import type { Tensor } from "../../../torch/tensor.js";
import type { Checkpoint } from "../../callbacks/callback.js";
import type { LightningDataModule } from "../../datamodule.js";
import type { Logger } from "../../loggers/logger.js";
import { restorePrecisionState, savePrecisionState } from "../precision.js";
import type { TrainerFn } from "../states.js";
import type { Trainer } from "../trainer.js";

/** The Lightning version whose checkpoint layout Kiln writes. */
export const LIGHTNING_VERSION = "2.6.6";

/** Thrown when a checkpoint cannot be used; the message names the file. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

/** A logger that can continue a tracker run (MLFlowLogger); the id must arrive before the run starts. */
export interface ResumableLogger extends Logger {
  resumeRun(runId: string): void;
  readonly runStarted: boolean;
}

/** Whether `logger` can continue a checkpoint's run and has not started one yet. */
export function awaitsRunId(logger: Logger): logger is ResumableLogger {
  const l = logger as Partial<ResumableLogger>;
  return typeof l.resumeRun === "function" && l.runStarted === false;
}

/** The `logger_run_ids` a checkpoint holds (`{}` for none); reads no tensor into native memory. */
export function readLoggerRunIds(filepath: string): Record<string, string> {
  const checkpoint = load(filepath, { raw: true }) as { logger_run_ids?: unknown } | null;
  const ids = checkpoint?.logger_run_ids;
  if (ids === null || typeof ids !== "object") return {};
  const entries = ids instanceof Map ? [...ids.entries()] : Object.entries(ids);
  return Object.fromEntries(entries.filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

/**
 * Hands each resumable logger the run id stored for it: the entry of the same position and class
 * (`"<i>:<ClassName>"`, as dumpCheckpoint writes it), else the only entry of its class (the logger list
 * changed). Returns the ids handed over.
 */
export function resumeLoggerRuns(loggers: readonly Logger[], runIds: Record<string, string>): string[] {
  const handed: string[] = [];
  loggers.forEach((logger, i) => {
    if (!awaitsRunId(logger)) return;
    const cls = logger.constructor.name;
    let id = runIds[`${i}:${cls}`];
    if (id === undefined) {
      const sameClass = Object.entries(runIds).filter(([key]) => key.slice(key.indexOf(":") + 1) === cls);
      if (sameClass.length === 1) id = sameClass[0]![1];
    }
    if (id === undefined) return;
    logger.resumeRun(id);
    handed.push(id);
  });
  return handed;
}

/** Writes `checkpoint` to `filepath` atomically (creating the folder) and frees its tensor aliases. */
export function writeCheckpoint(checkpoint: Checkpoint, filepath: string): void {
  try {
    makeDirs(dirname(resolve(filepath)));
    save(checkpoint, filepath);
  } finally {
    disposeTensors(checkpoint.state_dict);
    const rng = (checkpoint.rng_states as { torch?: Tensor } | undefined)?.torch;
    rng?.dispose();
  }
}

/** Loads a checkpoint file; a missing, corrupt or non-checkpoint file gives an error naming it. */
export function readCheckpoint(filepath: string): Checkpoint {
  if (!existsSync(filepath)) {
    throw new CheckpointError(
      `Checkpoint file not found: ${filepath}. Check ckptPath (relative paths start at ${process.cwd()}).`,
    );
  }
  let value: unknown;
  try {
    value = load(filepath, { preserveFloats: true });
  } catch (e) {
    throw new CheckpointError(
      `Cannot read checkpoint ${filepath}: ${(e as Error).message}. The file is corrupt or not a checkpoint; ` +
        "use another checkpoint or start without ckptPath.",
      { cause: e },
    );
  }
  if (value === null || typeof value !== "object" || !("state_dict" in value)) {
    throw new CheckpointError(
      `${filepath} is a torch.save file but not a Lightning checkpoint (it has no "state_dict" key).`,
    );
  }
  return value as Checkpoint;
}

/** Frees every tensor in a loaded or dumped structure. */
export function disposeTensors(value: unknown, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 12) return;
  const t = value as Tensor;
  if (typeof t.dispose === "function" && typeof t.isDisposed === "boolean") {
    if (!t.isDisposed) t.dispose();
    return;
  }
  const values =
    value instanceof Map ? [...value.values()] : Array.isArray(value) ? value : Object.values(value);
  for (const v of values) disposeTensors(v, depth + 1);
}

/** Dumps the trainer's state into checkpoints and restores it from them. */
export class CheckpointConnector {
  constructor(private readonly trainer: Trainer) {}

  /** Builds the checkpoint dict of the trainer's current state (Lightning's dump_checkpoint). */
  async dump(weightsOnly: boolean): Promise<Checkpoint> {
    const trainer = this.trainer;
    const module = trainer.lightningModule;
    const stateDict: Record<string, Tensor> = {};
    for (const [key, value] of module.stateDict()) stateDict[key] = value;
    const checkpoint: Checkpoint = {
      epoch: trainer.currentEpoch,
      global_step: trainer.globalStep,
      "pytorch-lightning_version": LIGHTNING_VERSION,
      state_dict: markOrderedDict(stateDict),
      loops: this.loopsStateDict(),
    };
    if (!weightsOnly) {
      const callbacks: Record<string, unknown> = {};
      for (const cb of trainer.callbacks) {
        const state = trainer.profiledCall(`[Callback]${cb.stateKey}.stateDict`, () => cb.stateDict());
        if (state && Object.keys(state).length > 0) callbacks[cb.stateKey] = state;
      }
      checkpoint.callbacks = callbacks;
      checkpoint.optimizer_states = trainer.optimizers.map((o) => o.stateDict());
      checkpoint.lr_schedulers = trainer.lrSchedulerConfigs.map((c) => c.scheduler.stateDict());
      savePrecisionState(trainer, checkpoint); // the GradScaler of "16-mixed", under "MixedPrecision"
    }
    const dm = trainer.datamodule;
    if (module.hparamsName !== null && Object.keys(module.hparams).length > 0) {
      checkpoint.hparams_name = module.hparamsName;
      checkpoint.hyper_parameters = { ...module.hparams };
    }
    if (dm !== null && Object.keys(dm.hparams).length > 0) {
      checkpoint.datamodule_hparams_name = "kwargs";
      checkpoint.datamodule_hyper_parameters = { ...dm.hparams };
    }
    if (dm !== null) {
      const state = (await trainer.hooks.datamodule("stateDict")) as Record<string, unknown> | undefined;
      if (state && Object.keys(state).length > 0) checkpoint[datamoduleKey(dm)] = state;
    }
    if (!weightsOnly) await trainer.hooks.callbacks("onSaveCheckpoint", [checkpoint]);
    await trainer.hooks.module("onSaveCheckpoint", checkpoint);
    // Kiln additions (after Lightning's keys): tracker run ids so a resumed fit continues the same runs, and
    // the global RNG state so that resuming reproduces the uninterrupted run bit for bit.
    const runIds: Record<string, string> = {};
    trainer.loggers.forEach((logger, i) => {
      const id = logger.runId;
      if (id !== undefined) runIds[`${i}:${logger.constructor.name}`] = id;
    });
    if (Object.keys(runIds).length > 0) checkpoint.logger_run_ids = runIds;
    if (!weightsOnly) {
      const rng: Record<string, Tensor> = { torch: getRngState() };
      const fitLoop = trainer.fitLoop;
      const epochStart = fitLoop.epochRng.epochStartState;
      const epoch = fitLoop.epochProgress.current;
      // Only a checkpoint written inside an epoch needs the epoch start (to replay the epoch's shuffle).
      if (epochStart !== null && epoch.started > epoch.processed) rng.torch_epoch_start = epochStart;
      checkpoint.rng_states = rng;
    }
    return checkpoint;
  }

  /** The checkpoint's `loops`: every loop's progress, keyed as Lightning 2.6 keys them. */
  loopsStateDict(): Record<string, unknown> {
    const t = this.trainer;
    return {
      fit_loop: t.fitLoop.stateDict(),
      validate_loop: t.validateLoop.stateDict(),
      test_loop: t.testLoop.stateDict(),
      predict_loop: t.predictLoop.stateDict(),
    };
  }

  /** Saves a checkpoint of the current state to `filepath` (Lightning's trainer.save_checkpoint). */
  async save(filepath: string, weightsOnly: boolean): Promise<void> {
    const trainer = this.trainer;
    if (!trainer.isGlobalZero) return; // Lightning's strategy.save_checkpoint writes on global rank 0 only
    for (const logger of trainer.loggers) {
      const started = (logger as { whenStarted?: () => Promise<unknown> }).whenStarted;
      if (typeof started === "function") await started.call(logger);
    }
    writeCheckpoint(await this.dump(weightsOnly), filepath);
  }

  /**
   * Hands the run ids of the checkpoint at `ckptPath` ("last" or a path) to the trainer's loggers that can
   * continue a run and have not started one. A checkpoint that cannot be read is left to fit, which reports it.
   */
  resumeLoggerRuns(ckptPath: string): void {
    const loggers = this.trainer.loggers;
    if (ckptPath === "best" || !loggers.some(awaitsRunId)) return;
    let runIds: Record<string, string>;
    try {
      runIds = readLoggerRunIds(this.resolvePath(ckptPath));
    } catch {
      return;
    }
    resumeLoggerRuns(loggers, runIds);
  }

  /** Resolves `"best"`, `"last"` or a path to a checkpoint file for validate/test/predict/fit. */
  resolvePath(ckptPath: string): string {
    const cb = this.trainer.checkpointCallback as {
      bestModelPath?: string;
      lastModelPath?: string;
      dirpath?: string | null;
    } | null;
    if (ckptPath === "best") {
      if (cb === null) {
        throw new CheckpointError(
          'ckptPath="best" needs a ModelCheckpoint callback; enable checkpointing or pass a path.',
        );
      }
      if (!cb.bestModelPath) {
        throw new CheckpointError(
          'ckptPath="best" is set but the ModelCheckpoint has not saved a best checkpoint yet (bestModelPath is ' +
            "empty). Run fit first, or pass a path.",
        );
      }
      return cb.bestModelPath;
    }
    if (ckptPath === "last") {
      if (cb?.lastModelPath) return cb.lastModelPath;
      const dir = cb?.dirpath;
      const candidates = dir && existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ckpt")) : [];
      if (candidates.length === 0) {
        throw new CheckpointError(
          `ckptPath="last" is set but no checkpoint was found${dir ? ` in ${dir}` : ""}.`,
        );
      }
      const paths = candidates.map((f) => join(dir!, f));
      paths.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
      return paths[0]!;
    }
    return ckptPath;
  }

  /**
   * Loads `ckptPath` ("best", "last" or a path) into the module and datamodule, and for fit the callbacks
   * (Lightning's restore_model and restore_datamodule, then restore_callbacks). Returns the checkpoint (the
   * caller frees it), or null without one.
   */
  async restoreForStage(fn: TrainerFn, ckptPath: string | null): Promise<Checkpoint | null> {
    const t = this.trainer;
    if (ckptPath === null) {
      t.ckptPath = null;
      return null;
    }
    if (fn === "fit" && ckptPath === "best") {
      throw new Error(
        'ckptPath="best" is only valid for validate/test/predict; fit resumes from "last" or a path.',
      );
    }
    const path = this.resolvePath(ckptPath);
    const checkpoint = readCheckpoint(path);
    t.ckptPath = path;
    await t.hooks.module("onLoadCheckpoint", checkpoint);
    t.lightningModule.loadStateDict(checkpoint.state_dict as never);
    const dm = t.datamodule;
    if (dm !== null && checkpoint[datamoduleKey(dm)] !== undefined) {
      dm.loadStateDict(checkpoint[datamoduleKey(dm)] as Record<string, unknown>);
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
  restoreTrainingState(checkpoint: Checkpoint): void {
    const t = this.trainer;
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
    t.fitLoop.loadStateDict(checkpoint.loops, where);
    this.#restoreRngState(checkpoint);
  }

  /**
   * Restores the global RNG state saved by dump() (no-op for checkpoints without one). A mid-epoch checkpoint
   * also holds the epoch-start state: the fit loop then replays the epoch's shuffle from it.
   */
  #restoreRngState(checkpoint: Checkpoint): void {
    const states = checkpoint.rng_states as { torch?: Tensor; torch_epoch_start?: Tensor } | undefined;
    const state = states?.torch;
    if (state === undefined || state === null || typeof state !== "object") return;
    if (states?.torch_epoch_start) this.trainer.fitLoop.epochRng.resumeFrom(states.torch_epoch_start, state);
    else setRngState(state);
  }
}

/** The key of a datamodule's state in checkpoints: its class name, as Lightning keys it by its qualname. */
function datamoduleKey(dm: LightningDataModule): string {
  return dm.constructor.name;
}
