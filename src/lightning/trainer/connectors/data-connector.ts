// Lightning's _DataConnector: where each loop's dataloaders come from (the loaders passed to the entry point, else
// the datamodule's or the module's `<stage>Dataloader()` hook), their batch counts after limit_*_batches, and the
// batch-transfer hooks that move a batch to the device.
import { DataLoader } from "../../../torch/data/dataloader.js";
import type { Tensor } from "../../../torch/tensor.js";
import type { LightningDataModule } from "../../datamodule.js";
import { disposeBatchExcept, type Loader } from "../../loops/utilities.js";
import { limitBatches } from "../options.js";
import type { LoaderStage } from "../states.js";
import type { Trainer } from "../trainer.js";

/** The data and checkpoint arguments of fit/validate/test/predict. */
export interface StageInputs {
  datamodule?: LightningDataModule | null;
  /** fit: the training loader(s). */
  trainDataloaders?: Iterable<unknown> | null;
  /** fit: the validation loader(s). */
  valDataloaders?: Iterable<unknown> | Iterable<unknown>[] | null;
  /** validate/test/predict: the loader(s) to run. */
  dataloaders?: Iterable<unknown> | Iterable<unknown>[] | null;
  /** A checkpoint to start from: a path, "last", or (validate/test/predict) "best". */
  ckptPath?: string | null;
  /** validate/test: print the results table (default true). */
  verbose?: boolean;
}

const METHOD: Record<LoaderStage, string> = {
  train: "trainDataloader",
  val: "valDataloader",
  test: "testDataloader",
  predict: "predictDataloader",
};

/** Finds, limits and transfers the loops' data. */
export class DataConnector {
  #inputs: StageInputs = {};

  constructor(private readonly trainer: Trainer) {}

  /** Lightning's attach_data: keeps the loaders passed to the entry point that starts. */
  attachData(inputs: StageInputs): void {
    this.#inputs = inputs;
  }

  /** The loaders passed for `stage` (fit's val loaders are `valDataloaders`, validate's are `dataloaders`). */
  #explicit(stage: LoaderStage): unknown {
    const inputs = this.#inputs;
    if (stage === "train") return inputs.trainDataloaders;
    if (stage === "val" && this.trainer.state.fn === "fit") return inputs.valDataloaders;
    return inputs.dataloaders;
  }

  /** Whether `stage` has data: loaders were passed, or the datamodule or module defines the hook. */
  isDefined(stage: LoaderStage): boolean {
    return this.#explicit(stage) != null || this.#hookOwner(METHOD[stage]) !== null;
  }

  #hookOwner(method: string): "datamodule" | "module" | null {
    const dm = this.trainer.datamodule as unknown as Record<string, unknown> | null;
    if (dm !== null && typeof dm[method] === "function") return "datamodule";
    const module = this.trainer.lightningModule as unknown as Record<string, unknown>;
    return typeof module[method] === "function" ? "module" : null;
  }

  /** The loaders of `stage`: passed explicitly, else from the datamodule, else from the module (hook recorded). */
  async loaders(stage: LoaderStage): Promise<Loader[]> {
    const t = this.trainer;
    const method = METHOD[stage];
    let value = this.#explicit(stage);
    if (value === undefined || value === null) {
      value =
        this.#hookOwner(method) === "datamodule"
          ? await t.hooks.datamodule(method)
          : await t.hooks.module(method);
    }
    return t.strategy.processDataloaders(t, stage, asLoaderList(value, `${method}()`));
  }

  /** The batches each loader of `stage` runs after limit_<stage>_batches. */
  limits(stage: LoaderStage, loaders: readonly Loader[]): number[] {
    return loaders.map((l) => this.limitFor(stage, loaderLength(l)));
  }

  /** Number of batches a limit flag allows for `stage` out of `length`. */
  limitFor(stage: LoaderStage, length: number): number {
    const o = this.trainer.options;
    const limit = {
      train: o.limitTrainBatches,
      val: o.limitValBatches,
      test: o.limitTestBatches,
      predict: o.limitPredictBatches,
    }[stage];
    return limitBatches(stage, length, limit);
  }

  /**
   * Runs the batch-transfer hooks (the datamodule's versions replace the module's when it defines them). The
   * result is a Promise only when a hook returned one; hooks left at their pass-through defaults are skipped.
   */
  transferBatch(batch: unknown, dataloaderIdx: number): unknown {
    const t = this.trainer;
    const dm = t.datamodule as unknown as Record<string, unknown> | null;
    const call = (name: string, ...args: unknown[]): unknown => {
      if (dm !== null && typeof dm[name] === "function") return t.hooks.datamodule(name, ...args);
      if (t.hooks.skipsModuleHook(name)) return args[0];
      return t.hooks.module(name, ...args);
    };
    const then = (value: unknown, next: (v: unknown) => unknown): unknown =>
      value instanceof Promise ? value.then(next) : next(value);
    // Lightning casts the inputs to the precision's dtype first (convert_input); a cast copy that the hooks
    // replaced is freed here, the caller frees the loader's batch and the result.
    const converted = t.precisionPlugin.convertInput(batch);
    const result = then(call("onBeforeBatchTransfer", converted, dataloaderIdx), (b) =>
      then(call("transferBatchToDevice", b, t.device, dataloaderIdx), (moved) =>
        call("onAfterBatchTransfer", moved, dataloaderIdx),
      ),
    );
    if (converted === batch) return result;
    return then(result, (final) => {
      disposeBatchExcept(converted, [batch, final]);
      return final;
    });
  }
}

/** Several loaders are passed as an array of loaders; one loader is anything else that is iterable. */
export function asLoaderList(value: unknown, what: string): Loader[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value) && value.length > 0 && value.every(isLoaderObject)) return value as Loader[];
  if (!isIterable(value)) {
    throw new TypeError(
      `${what} must be an iterable of batches (a DataLoader or an array), got ${typeof value}`,
    );
  }
  return [value as Loader];
}

function isIterable(value: unknown): boolean {
  return (
    value !== null && typeof value === "object" && typeof (value as Loader)[Symbol.iterator] === "function"
  );
}

/** A loader object (not an array, not a tensor) that can be iterated. */
function isLoaderObject(value: unknown): boolean {
  return isIterable(value) && !Array.isArray(value) && typeof (value as Tensor).dispose !== "function";
}

/** The number of batches a loader yields per epoch (Infinity when unknown). */
export function loaderLength(loader: Loader): number {
  if (Array.isArray(loader)) return loader.length;
  const len = (loader as { length?: unknown }).length;
  return typeof len === "number" && Number.isFinite(len) ? len : Number.POSITIVE_INFINITY;
}

/** overfit_batches: Lightning replaces a shuffled training sampler with a sequential one. */
export function withoutShuffle(loader: Loader): Loader {
  if (loader instanceof DataLoader && loader.shuffle) {
    process.stderr.write(
      "You requested to overfit but enabled training dataloader shuffling. We are turning off the training dataloader shuffling for you.\n",
    );
    return new DataLoader({
      dataset: loader.dataset,
      batch_size: loader.batch_size,
      shuffle: false,
      drop_last: loader.drop_last,
      generator: loader.generator,
      collate_fn: loader.collate_fn,
    });
  }
  return loader;
}
