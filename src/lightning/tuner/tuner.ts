// Lightning's Tuner: lrFind (the learning-rate finder) and scaleBatchSize on a trainer's settings.
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import { type ScaleBatchSizeOptions, scaleBatchSize } from "./batch-size-scaling.js";
import { type LRFinder, type LRFindOptions, lrFind } from "./lr-finder.js";

/** Tunes hyperparameters with a trainer's settings (Lightning's `Tuner(trainer)`). */
export class Tuner {
  constructor(readonly trainer: Trainer) {}

  /**
   * Runs the learning-rate finder on `model` (data from `opts` or the model's/datamodule's loaders) and, with
   * update_attr (default), sets the suggested lr on the model. Returns the finder (results, suggestion()), or
   * null under fast_dev_run. The model's weights are restored afterwards.
   */
  lrFind(model: LightningModule, opts: LRFindOptions = {}): Promise<LRFinder | null> {
    return lrFind(this.trainer, model, opts);
  }

  /**
   * Finds the largest batch size that runs (power or binsearch mode; on the CPU, max_rss_mb is the limit) and
   * sets it on the model or datamodule attribute the train loader reads (batch_arg_name). Returns it, or null
   * under fast_dev_run. The model's weights are restored afterwards.
   */
  scaleBatchSize(model: LightningModule, opts: ScaleBatchSizeOptions = {}): Promise<number | null> {
    return scaleBatchSize(this.trainer, model, opts);
  }
}
