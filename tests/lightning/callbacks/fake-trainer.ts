// A plain-object trainer with exactly the members the built-in callbacks read (see trainer-view.ts), and a
// saveCheckpoint that writes a small file atomically (temporary name, then rename) and records every save.
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { CheckpointTrainerView, LoggerView } from "../../../src/lightning/callbacks/trainer-view.js";

export interface FakeTrainer extends CheckpointTrainerView {
  currentEpoch: number;
  globalStep: number;
  callbackMetrics: Record<string, number>;
  loggers: LoggerView[];
  state: { fn: string | null; stage: string | null };
  sanityChecking: boolean;
  fastDevRun: boolean | number;
  checkValEveryNEpoch: number | null;
  valCheckInterval: number;
  numValBatches: number[];
  numTrainingBatches: number;
  ckptPath: string | null;
  defaultRootDir: string;
  /** Every saveCheckpoint call, in order. */
  saves: { path: string; weightsOnly: boolean }[];
  /** Called inside saveCheckpoint before the file is written (to inspect the folder at that moment). */
  beforeSave?: (path: string) => void;
}

/** A fresh temporary folder. */
export function tempDir(prefix = "kiln-cb-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A trainer in the middle of `fit`, epoch 0, step 0, one validation dataloader of 2 batches. */
export function fakeTrainer(overrides: Partial<FakeTrainer> = {}): FakeTrainer {
  const trainer: FakeTrainer = {
    currentEpoch: 0,
    globalStep: 0,
    callbackMetrics: {},
    loggers: [],
    state: { fn: "fit", stage: "train" },
    sanityChecking: false,
    fastDevRun: false,
    shouldStop: false,
    checkValEveryNEpoch: 1,
    valCheckInterval: 1.0,
    numValBatches: [2],
    numTrainingBatches: 4,
    ckptPath: null,
    defaultRootDir: tempDir(),
    isGlobalZero: true,
    saves: [],
    async saveCheckpoint(path: string, weightsOnly = false): Promise<void> {
      this.beforeSave?.(path);
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, JSON.stringify({ epoch: this.currentEpoch, global_step: this.globalStep }));
      renameSync(tmp, path);
      this.saves.push({ path, weightsOnly });
    },
    ...overrides,
  };
  return trainer;
}

/** The hooks an epoch of `fit` calls on a callback, in Lightning's order (validation at the epoch's end). */
export interface EpochHooks {
  onTrainBatchEnd?(t: unknown, m: unknown, o: unknown, b: unknown, i: number): unknown;
  onValidationEnd?(t: unknown, m: unknown): unknown;
  onTrainEpochEnd?(t: unknown, m: unknown): unknown;
}

/**
 * Runs one training epoch of `numTrainingBatches` steps on the callback, then validation producing
 * `valMetrics` (skipped when null), then the epoch end; leaves currentEpoch advanced.
 */
export async function runEpoch(
  cb: EpochHooks,
  trainer: FakeTrainer,
  valMetrics: Record<string, number> | null,
): Promise<void> {
  trainer.state.stage = "train";
  for (let i = 0; i < trainer.numTrainingBatches; i++) {
    trainer.globalStep += 1;
    await cb.onTrainBatchEnd?.(trainer, null, null, null, i);
  }
  if (valMetrics !== null) {
    trainer.state.stage = "validate";
    Object.assign(trainer.callbackMetrics, valMetrics);
    await cb.onValidationEnd?.(trainer, null);
    trainer.state.stage = "train";
  }
  await cb.onTrainEpochEnd?.(trainer, null);
  trainer.currentEpoch += 1;
}
