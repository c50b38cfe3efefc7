// Lightning's batch-size finder (tuner/batch_size_scaling.py): run a few steps at growing batch sizes until
// one runs out of memory, in "power" mode (double until a failure) or "binsearch" (then bisect, minus a
// margin). On CUDA an out-of-memory error ends a trial, as in Lightning; on the CPU the process rarely gets
// one, so max_rss_mb (Kiln's option) fails a trial whose resident memory passes that many MiB. Each trial runs
// on a trainer of its own, reading the batch size from the model's or datamodule's attribute (or hparams)
// when it rebuilds the train loader; the model's weights are restored afterwards.
import { Callback } from "../callbacks/callback.js";
import { emitInfo, emitWarning } from "../callbacks/messages.js";
import { MisconfigurationError } from "../callbacks/options.js";
import type { LightningDataModule } from "../datamodule.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import { restoreModel, snapshotModel } from "./model-snapshot.js";

/** Options of scaleBatchSize (Lightning's keyword names, plus max_rss_mb). */
export interface ScaleBatchSizeOptions {
  datamodule?: LightningDataModule | null;
  mode?: "power" | "binsearch";
  steps_per_trial?: number;
  init_val?: number;
  max_trials?: number;
  batch_arg_name?: string;
  /** binsearch: the found size is reduced by this fraction (default 0.05). */
  margin?: number;
  max_val?: number;
  /** A trial whose process RSS passes this many MiB counts as out of memory (CPU runs). */
  max_rss_mb?: number | null;
}

/** A trial that passed max_rss_mb (treated as an out-of-memory error). */
export class MemoryLimitError extends Error {
  override name = "MemoryLimitError";
}

// Lightning's is_oom_error: CUDA, cuDNN and the CPU allocator's messages.
function isOomError(e: unknown): boolean {
  if (e instanceof MemoryLimitError) return true;
  const msg = e instanceof Error ? e.message : String(e);
  return /CUDA out of memory|CUDA error: out of memory|cuDNN error: CUDNN_STATUS_NOT_SUPPORTED|DefaultCPUAllocator: can't allocate memory/.test(
    msg,
  );
}

// Fails the trial once the process RSS passes the limit, checked where a step's activations are alive.
class RssLimit extends Callback {
  constructor(readonly limitMb: number) {
    super();
  }
  #check(): void {
    const rss = process.memoryUsage.rss() / 2 ** 20;
    if (rss > this.limitMb) {
      throw new MemoryLimitError(`the process RSS ${rss.toFixed(0)} MiB passed max_rss_mb=${this.limitMb}`);
    }
  }
  override onBeforeBackward(): void {
    this.#check();
  }
  override onTrainBatchEnd(): void {
    this.#check();
  }
}

interface Holder {
  get(): number;
  set(v: number): void;
}

// Lightning's lightning_getattr/setattr: the model, its hparams, the datamodule, its hparams.
function batchSizeHolder(model: LightningModule, dm: LightningDataModule | null, name: string): Holder {
  const owners: Record<string, unknown>[] = [model as unknown as Record<string, unknown>, model.hparams];
  if (dm) owners.push(dm as unknown as Record<string, unknown>, dm.hparams);
  const owner = owners.find((o) => name in o && typeof o[name] === "number");
  if (!owner) {
    throw new MisconfigurationError(
      `Field ${name} not found in \`model\`, \`datamodule\`, nor their \`hparams\` attributes.`,
    );
  }
  return {
    get: () => owner[name] as number,
    set: (v) => {
      owner[name] = v;
    },
  };
}

/** Lightning's Tuner.scale_batch_size: the largest batch size that runs; also set on the model/datamodule. */
export async function scaleBatchSize(
  trainer: Trainer,
  model: LightningModule,
  opts: ScaleBatchSizeOptions = {},
): Promise<number | null> {
  const {
    mode = "power",
    steps_per_trial = 3,
    init_val = 2,
    max_trials = 25,
    batch_arg_name = "batch_size",
  } = opts;
  const { margin = 0.05, max_val = 8192, max_rss_mb = null } = opts;
  if (mode !== "power" && mode !== "binsearch") {
    throw new MisconfigurationError(`\`mode\` should be either of ('power', 'binsearch'), got '${mode}'`);
  }
  if (!(margin >= 0 && margin < 1))
    throw new RangeError(`\`margin\` should be between 0 and 1. Found margin=${margin}`);
  if (trainer.fastDevRun !== false) {
    emitWarning("Skipping batch size scaler since `fast_dev_run` is enabled.");
    return null;
  }
  const dm = opts.datamodule ?? trainer.datamodule;
  const size = batchSizeHolder(model, dm, batch_arg_name);
  const snapshot = snapshotModel(model);
  let datasetLength: number | null = null;
  const { Trainer } = await import("../trainer/trainer.js");
  // One trial: steps_per_trial steps with the current size; throws the trial's error.
  const trial = async (): Promise<void> => {
    const search = new Trainer({
      max_epochs: trainer.maxEpochs,
      max_steps: steps_per_trial,
      limit_val_batches: steps_per_trial,
      num_sanity_val_steps: 0,
      accumulate_grad_batches: trainer.accumulateGradBatches,
      precision: trainer.options.precision,
      accelerator: trainer.options.accelerator,
      default_root_dir: trainer.defaultRootDir,
      logger: false,
      enable_checkpointing: false,
      enable_progress_bar: false,
      enable_model_summary: false,
      callbacks: max_rss_mb !== null ? [new RssLimit(max_rss_mb)] : [],
    });
    try {
      await search.fit(model, { datamodule: dm });
    } finally {
      const dataset = (search.trainDataloader as { dataset?: { length?: number } } | null)?.dataset;
      if (typeof dataset?.length === "number") datasetLength = dataset.length;
    }
  };
  // Lightning's _adjust_batch_size.
  const adjust = (factor: number, value: number | null, desc: string | null): [number, boolean] => {
    const current = size.get();
    if (datasetLength !== null && current >= datasetLength) {
      emitInfo(
        `The batch size ${current} is greater or equal than the length of your dataset: ${datasetLength}.`,
      );
      return [current, false];
    }
    let next = value ?? Math.trunc(current * factor);
    if (next > max_val) {
      if (desc) emitInfo(`Batch size ${next} exceeds max_val limit ${max_val}, capping at ${max_val}`);
      next = max_val;
    }
    if (desc) emitInfo(`Batch size ${current} ${desc}, trying batch size ${next}`);
    size.set(next);
    return [next, next !== current];
  };
  let newSize: number;
  try {
    [newSize] = adjust(1, init_val, null);
    newSize = mode === "power" ? await power(newSize) : await binsearch(newSize);
  } finally {
    restoreModel(model, snapshot);
  }
  emitInfo(`Finished batch size finder, will continue with full run using batch size ${newSize}`);
  return newSize;

  async function power(start: number): Promise<number> {
    let next = start;
    let anySuccess = false;
    let lastSuccessful = next;
    for (let i = 0; i < max_trials; i++) {
      if (next >= max_val) {
        emitInfo(`Reached the maximum batch size limit of ${max_val}. Stopping search.`);
        break;
      }
      try {
        await trial();
        lastSuccessful = next;
        if (i + 1 >= max_trials) {
          next = lastSuccessful;
          break;
        }
        const [value, changed] = adjust(2, null, "succeeded");
        next = value;
        if (!changed) break;
        anySuccess = true;
      } catch (e) {
        if (!isOomError(e)) throw e;
        [next] = adjust(0.5, null, "failed");
        if (anySuccess) break;
      }
    }
    return next;
  }

  async function binsearch(start: number): Promise<number> {
    let next = start;
    let low = 1;
    let high: number | null = null;
    let count = 0;
    let lastSuccessful = next;
    for (;;) {
      if (next >= max_val) {
        emitInfo(`Reached the maximum batch size limit of ${max_val}. Stopping search.`);
        break;
      }
      try {
        await trial();
        lastSuccessful = next;
        count += 1;
        if (count >= max_trials) {
          next = lastSuccessful;
          break;
        }
        low = next;
        let changed: boolean;
        if (high !== null) {
          if (high - low <= 1) break;
          [next, changed] = adjust(1, Math.floor((high + low) / 2), "succeeded");
        } else [next, changed] = adjust(2, null, "succeeded");
        if (!changed) break;
      } catch (e) {
        if (!isOomError(e)) throw e;
        high = next;
        [next] = adjust(1, Math.floor((high + low) / 2), "failed");
        if (high - low <= 1) break;
      }
    }
    if (margin > 0) {
      const reduced = Math.max(1, Math.trunc(next * (1 - margin)));
      if (reduced !== next) {
        emitInfo(
          `Applying margin of ${(margin * 100).toFixed(1)}%, reducing batch size from ${next} to ${reduced}`,
        );
        next = reduced;
        size.set(next);
      }
    }
    return next;
  }
}
