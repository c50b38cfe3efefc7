// Lightning's BatchSizeFinder callback: runs the batch-size finder when fit starts and leaves the found size
// on the model's or datamodule's attribute, which the train loader is then built with.
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import type { ScaleBatchSizeOptions } from "../tuner/batch-size-scaling.js";
import { Callback } from "./callback.js";
import { MisconfigurationError } from "./options.js";

/** Options of BatchSizeFinder (the YAML's keys, Lightning's names, plus max_rss_mb). */
export type BatchSizeFinderOptions = Omit<ScaleBatchSizeOptions, "datamodule">;

/** Finds the largest batch size that fits at the start of fit. */
export class BatchSizeFinder extends Callback {
  readonly options: BatchSizeFinderOptions;
  /** The size found by the last run. */
  optimalBatchSize: number | null = null;

  constructor(opts: BatchSizeFinderOptions = {}) {
    super();
    const mode = (opts.mode ?? "power").toLowerCase();
    if (mode !== "power" && mode !== "binsearch") {
      throw new MisconfigurationError("`mode` should be either of ('power', 'binsearch')");
    }
    this.options = { ...opts, mode };
  }

  /** Runs the finder on `trainer`'s settings. */
  async scaleBatchSize(trainer: Trainer, module: LightningModule): Promise<void> {
    const { scaleBatchSize } = await import("../tuner/batch-size-scaling.js");
    this.optimalBatchSize = await scaleBatchSize(trainer, module, {
      ...this.options,
      datamodule: trainer.datamodule,
    });
  }

  override async onFitStart(trainer: Trainer, module: LightningModule): Promise<void> {
    await this.scaleBatchSize(trainer, module);
  }
}
