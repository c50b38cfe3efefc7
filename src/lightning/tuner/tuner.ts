// Lightning's Tuner: lrFind (the learning-rate finder) on a trainer's settings.
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
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
}
