// Lightning's BasePredictionWriter: subclass it and implement writeOnBatchEnd and/or writeOnEpochEnd; the
// write_interval says which run ("batch", "epoch" or "batch_and_epoch").
import { DataLoader } from "../../torch/data/dataloader.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import { Callback } from "./callback.js";
import { MisconfigurationError } from "./options.js";

/** When a prediction writer writes. */
export type WriteInterval = "batch" | "epoch" | "batch_and_epoch";

const INTERVALS: readonly WriteInterval[] = ["batch", "epoch", "batch_and_epoch"];

/** Writes predictions as they are made (per batch) and/or at the end of each prediction epoch. */
export abstract class BasePredictionWriter extends Callback {
  readonly interval: WriteInterval;
  // This callback's own record of the epoch's predictions and batch indices (Lightning reads the predict
  // loop's; the hooks hand Kiln's callbacks the same values).
  #predictions: unknown[][] = [];
  #batchIndices: number[][][] = [];

  /** `write_interval` as Lightning's positional argument or `{ write_interval }` (default "batch"). */
  constructor(writeInterval: WriteInterval | { write_interval?: WriteInterval } = "batch") {
    super();
    const interval =
      typeof writeInterval === "string" ? writeInterval : (writeInterval?.write_interval ?? "batch");
    if (!INTERVALS.includes(interval)) {
      throw new MisconfigurationError(
        `\`write_interval\` should be one of ['batch', 'epoch', 'batch_and_epoch'].`,
      );
    }
    this.interval = interval;
  }

  /** Writes one batch's prediction; `batchIndices` are the dataset indices when the loader knows them. */
  writeOnBatchEnd(
    _trainer: Trainer,
    _module: LightningModule,
    _prediction: unknown,
    _batchIndices: number[] | null,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): void | Promise<void> {
    throw new Error(
      `${this.constructor.name}.writeOnBatchEnd is not implemented (write_interval="${this.interval}")`,
    );
  }

  /** Writes an epoch's predictions (per dataloader when there are several). */
  writeOnEpochEnd(
    _trainer: Trainer,
    _module: LightningModule,
    _predictions: unknown[],
    _batchIndices: unknown[],
  ): void | Promise<void> {
    throw new Error(
      `${this.constructor.name}.writeOnEpochEnd is not implemented (write_interval="${this.interval}")`,
    );
  }

  override onPredictEpochStart(): void {
    this.#predictions = [];
    this.#batchIndices = [];
  }

  override async onPredictBatchEnd(
    trainer: Trainer,
    module: LightningModule,
    outputs: unknown,
    batch: unknown,
    batchIdx: number,
    dataloaderIdx: number,
  ): Promise<void> {
    const indices = batchIndicesOf(trainer, dataloaderIdx, batchIdx);
    if (this.interval !== "batch") {
      this.#predictions[dataloaderIdx] ??= [];
      this.#batchIndices[dataloaderIdx] ??= [];
      this.#predictions[dataloaderIdx].push(outputs);
      this.#batchIndices[dataloaderIdx].push(indices ?? []);
    }
    if (this.interval === "epoch") return;
    await this.writeOnBatchEnd(trainer, module, outputs, indices, batch, batchIdx, dataloaderIdx);
  }

  override async onPredictEpochEnd(trainer: Trainer, module: LightningModule): Promise<void> {
    if (this.interval === "batch") return;
    const single = this.#predictions.length <= 1;
    await this.writeOnEpochEnd(
      trainer,
      module,
      single ? (this.#predictions[0] ?? []) : this.#predictions,
      single ? (this.#batchIndices[0] ?? []) : this.#batchIndices,
    );
  }
}

// The dataset indices of a batch when its loader reads samples in a known order (a DataLoader without
// shuffle: consecutive rows), as Lightning's batch-sampler tracking gives them; null when unknown.
function batchIndicesOf(trainer: Trainer, dataloaderIdx: number, batchIdx: number): number[] | null {
  const loader = trainer.predictDataloaders[dataloaderIdx];
  if (!(loader instanceof DataLoader) || loader.shuffle) return null;
  const start = batchIdx * loader.batch_size;
  const end = Math.min(start + loader.batch_size, loader.dataset.length);
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
}
