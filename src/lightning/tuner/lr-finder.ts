// Lightning's learning-rate finder (tuner/lr_finder.py): train for up to num_training steps while the lr rises
// from min_lr to max_lr (exponentially or linearly), record the smoothed loss at each step, stop when it
// diverges (early_stop_threshold x the best), then suggest the lr of the steepest descent of the loss. The
// model's weights and training mode are restored afterwards, and the run leaves the caller's trainer as it
// was: it runs on a trainer of its own, with the caller's accumulation, clipping and precision.
import { emitInfo, emitWarning } from "../callbacks/messages.js";
import { MisconfigurationError } from "../callbacks/options.js";
import type { LightningDataModule } from "../datamodule.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import type { OptimizerLike, OptimizersConfig } from "../trainer/types.js";
import { LRFinderCallback } from "./lr-finder-callback.js";
import { type LRFinderMode, LRFinderScheduler } from "./lr-finder-schedulers.js";
import { restoreModel, snapshotModel } from "./model-snapshot.js";

/** Options of lrFind (Lightning's keyword names). */
export interface LRFindOptions {
  train_dataloaders?: Iterable<unknown> | null;
  val_dataloaders?: Iterable<unknown> | null;
  datamodule?: LightningDataModule | null;
  min_lr?: number;
  max_lr?: number;
  num_training?: number;
  mode?: LRFinderMode;
  /** Stop once the smoothed loss exceeds this times the best one (null: never). Default 4. */
  early_stop_threshold?: number | null;
  /** Set the suggested lr on the model (its `lr` or `learning_rate`, or attr_name). Default true in Tuner. */
  update_attr?: boolean;
  attr_name?: string;
}

/** The finder's results (Lightning's _LRFinder): the lrs tried, their smoothed losses, and the suggestion. */
export class LRFinder {
  readonly results: { lr: number[]; loss: number[] } = { lr: [], loss: [] };
  /** Index in results of the suggested lr (set by suggestion()). */
  optimalIdx: number | null = null;

  constructor(
    readonly mode: LRFinderMode,
    readonly lrMin: number,
    readonly lrMax: number,
    readonly numTraining: number,
  ) {}

  /**
   * The lr where the smoothed loss falls fastest (torch.gradient of loss over lr, argmin), ignoring the first
   * `skipBegin` and last `skipEnd` points and non-finite losses; null when fewer than two points remain.
   */
  suggestion(skipBegin = 10, skipEnd = 1): number | null {
    const end = this.results.loss.length - skipEnd;
    const idx: number[] = [];
    for (let i = skipBegin; i < end; i++)
      if (Number.isFinite(Math.fround(this.results.loss[i]!))) idx.push(i);
    if (idx.length < 2) {
      emitInfo(
        "Failed to compute suggestion for learning rate because there are not enough points. Increase the loop " +
          "iteration limits or the size of your dataset/dataloader.",
      );
      this.optimalIdx = null;
      return null;
    }
    // torch.tensor(list) is float32: the losses and lrs are rounded to it before the gradient, as in Lightning.
    const f = idx.map((i) => Math.fround(this.results.loss[i]!));
    const x = idx.map((i) => Math.fround(this.results.lr[i]!));
    const grads = gradient(f, x);
    let best = 0;
    for (let k = 1; k < grads.length; k++) if (grads[k]! < grads[best]!) best = k;
    this.optimalIdx = idx[best]!;
    return this.results.lr[this.optimalIdx]!;
  }
}

// torch.gradient(f, spacing=[x]) with edge_order=1: second-order central differences on uneven spacing inside,
// one-sided differences at both ends.
function gradient(f: number[], x: number[]): number[] {
  const n = f.length;
  const out = new Array<number>(n);
  out[0] = (f[1]! - f[0]!) / (x[1]! - x[0]!);
  out[n - 1] = (f[n - 1]! - f[n - 2]!) / (x[n - 1]! - x[n - 2]!);
  for (let i = 1; i < n - 1; i++) {
    const a = x[i]! - x[i - 1]!;
    const b = x[i + 1]! - x[i]!;
    out[i] = (a * a * f[i + 1]! - b * b * f[i - 1]! + (b * b - a * a) * f[i]!) / (a * b * (a + b));
  }
  return out;
}

/** Lightning's Tuner.lr_find on `trainer`'s settings; see LRFindOptions. */
export async function lrFind(
  trainer: Trainer,
  model: LightningModule,
  opts: LRFindOptions = {},
): Promise<LRFinder | null> {
  const {
    min_lr = 1e-8,
    max_lr = 1,
    num_training = 100,
    mode = "exponential",
    early_stop_threshold = 4.0,
    update_attr = true,
  } = opts;
  if (mode !== "exponential" && mode !== "linear") {
    throw new MisconfigurationError(`\`mode\` should be either of ('exponential', 'linear'), got '${mode}'`);
  }
  if (trainer.fastDevRun !== false) {
    emitWarning("Skipping learning rate finder since `fast_dev_run` is enabled.");
    return null;
  }
  const attrName = update_attr ? lrAttrName(model, opts.attr_name ?? "") : "";
  const finder = new LRFinder(mode, min_lr, max_lr, num_training);
  const callback = new LRFinderCallback(num_training, early_stop_threshold);
  const snapshot = snapshotModel(model);
  const configure = Object.getOwnPropertyDescriptor(model, "configureOptimizers");
  // The user's optimizer, its lrs set to min_lr, driven by the finder's scheduler at every step.
  const original = model.configureOptimizers.bind(model);
  model.configureOptimizers = () => {
    const optimizer = singleOptimizer(original());
    for (const group of optimizer.paramGroups as { lr: number; initial_lr?: number }[]) {
      group.lr = min_lr;
      group.initial_lr = min_lr;
    }
    const scheduler = new LRFinderScheduler(optimizer as never, mode, max_lr, num_training);
    callback.scheduler = scheduler;
    return { optimizer, lrScheduler: { scheduler, interval: "step" } };
  };
  try {
    const { Trainer } = await import("../trainer/trainer.js");
    const search = new Trainer({
      max_epochs: trainer.maxEpochs,
      max_steps: num_training,
      limit_val_batches: num_training,
      num_sanity_val_steps: 0,
      accumulate_grad_batches: trainer.accumulateGradBatches,
      gradient_clip_val: trainer.gradientClipVal,
      gradient_clip_algorithm: trainer.gradientClipAlgorithm,
      precision: trainer.options.precision,
      accelerator: trainer.options.accelerator,
      default_root_dir: trainer.defaultRootDir,
      logger: false,
      enable_checkpointing: false,
      enable_progress_bar: false,
      enable_model_summary: false,
      callbacks: [callback],
    });
    await search.fit(model, {
      trainDataloaders: opts.train_dataloaders ?? null,
      valDataloaders: opts.val_dataloaders ?? null,
      datamodule: opts.datamodule ?? null,
    });
    if (search.globalStep !== num_training) {
      emitInfo(`LR finder stopped early after ${search.globalStep} steps due to diverging loss.`);
    }
    finder.results.lr.push(...callback.lrs);
    finder.results.loss.push(...callback.losses);
  } finally {
    if (configure) Object.defineProperty(model, "configureOptimizers", configure);
    else delete (model as { configureOptimizers?: unknown }).configureOptimizers;
    restoreModel(model, snapshot);
  }
  if (update_attr) {
    const lr = finder.suggestion();
    if (lr !== null) {
      setLrAttr(model, attrName, lr);
      for (const opt of trainer.optimizers)
        for (const group of opt.paramGroups as { lr: number }[]) group.lr = lr;
      emitInfo(`Learning rate set to ${lr}`);
    }
  }
  return finder;
}

// The one optimizer configureOptimizers returned, whatever shape it came in.
function singleOptimizer(config: OptimizersConfig): OptimizerLike {
  const found: OptimizerLike[] = [];
  const visit = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      // [[optimizers], [schedulers]]: only the first list holds optimizers
      const lists = v.length === 2 && Array.isArray(v[0]) && Array.isArray(v[1]);
      for (const item of lists ? v[0] : v) visit(item);
    } else if (typeof v === "object" && "optimizer" in v)
      found.push((v as { optimizer: OptimizerLike }).optimizer);
    else if (typeof v === "object" && "paramGroups" in v) found.push(v as OptimizerLike);
  };
  visit(config);
  if (found.length !== 1) {
    throw new MisconfigurationError(
      `\`model.configure_optimizers()\` returned ${found.length}, but learning rate finder only works with single optimizer`,
    );
  }
  return found[0]!;
}

// Lightning's _determine_lr_attr_name: attr_name if the model (or its hparams) has it, else lr, else learning_rate.
function lrAttrName(model: LightningModule, attrName: string): string {
  const has = (name: string) => name in model || name in model.hparams;
  if (attrName) {
    if (has(attrName)) return attrName;
    throw new Error(
      `The attribute name for the learning rate was set to ${attrName}, but could not find this as a field in \`model\` or \`model.hparams\`.`,
    );
  }
  for (const name of ["lr", "learning_rate"]) if (has(name)) return name;
  throw new Error(
    "When using the learning rate finder, either `model.lr`, `model.learning_rate`, `model.hparams.lr` or " +
      "`model.hparams.learning_rate` must be defined (or pass attr_name).",
  );
}

function setLrAttr(model: LightningModule, name: string, lr: number): void {
  if (name in model) (model as unknown as Record<string, unknown>)[name] = lr;
  if (name in model.hparams) model.hparams[name] = lr;
}
