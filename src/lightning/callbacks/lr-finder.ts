// Lightning's LearningRateFinder callback: runs the learning-rate finder when fit starts (on the model's or
// the datamodule's train loader) and sets the suggested lr, with the global RNG state left as it was.
import { getRngState, setRngState } from "../../torch/generator.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import type { LRFinder } from "../tuner/lr-finder.js";
import type { LRFinderMode } from "../tuner/lr-finder-schedulers.js";
import { Callback } from "./callback.js";

/** Options of LearningRateFinder (the YAML's keys, Lightning's names). */
export interface LearningRateFinderOptions {
  min_lr?: number;
  max_lr?: number;
  num_training_steps?: number;
  mode?: LRFinderMode;
  early_stop_threshold?: number | null;
  update_attr?: boolean;
  attr_name?: string;
}

const MODES = ["linear", "exponential"];

/** Finds a starting learning rate at the start of fit and applies it. */
export class LearningRateFinder extends Callback {
  readonly options: Required<Omit<LearningRateFinderOptions, "early_stop_threshold">> & {
    early_stop_threshold: number | null;
  };
  /** The finder of the last run (its results and suggestion()). */
  optimalLr: LRFinder | null = null;

  constructor(opts: LearningRateFinderOptions = {}) {
    super();
    const mode = (opts.mode ?? "exponential").toLowerCase() as LRFinderMode;
    if (!MODES.includes(mode)) throw new RangeError("`mode` should be either of ('linear', 'exponential')");
    this.options = {
      min_lr: opts.min_lr ?? 1e-8,
      max_lr: opts.max_lr ?? 1,
      num_training_steps: opts.num_training_steps ?? 100,
      mode,
      early_stop_threshold: opts.early_stop_threshold === undefined ? 4.0 : opts.early_stop_threshold,
      update_attr: opts.update_attr ?? true,
      attr_name: opts.attr_name ?? "",
    };
  }

  /** Runs the finder on `trainer`'s settings (Lightning's lr_find inside isolate_rng). */
  async lrFind(trainer: Trainer, module: LightningModule): Promise<void> {
    const { lrFind } = await import("../tuner/lr-finder.js");
    const rng = getRngState();
    try {
      const o = this.options;
      this.optimalLr = await lrFind(trainer, module, {
        datamodule: trainer.datamodule,
        min_lr: o.min_lr,
        max_lr: o.max_lr,
        num_training: o.num_training_steps,
        mode: o.mode,
        early_stop_threshold: o.early_stop_threshold,
        update_attr: o.update_attr,
        attr_name: o.attr_name,
      });
    } finally {
      setRngState(rng);
      rng.dispose();
    }
  }

  override async onFitStart(trainer: Trainer, module: LightningModule): Promise<void> {
    await this.lrFind(trainer, module);
  }
}
