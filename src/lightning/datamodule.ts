// LightningDataModule: the data side of a run (download, split, loaders), with Lightning's hook names.
import type { HookResult, Stage } from "./callbacks/callback.js";
import type { LoadFromCheckpointOptions } from "./saving.js";
import type { Trainer } from "./trainer/trainer.js";

/** Base class of datamodules: override prepareData, setup and the dataloader methods you need. */
export class LightningDataModule {
  /** The trainer using this datamodule (set by the Trainer; null before fit/validate/test/predict). */
  trainer: Trainer | null = null;
  #hparams: Record<string, unknown> = {};

  /**
   * Lightning's `load_from_checkpoint` for datamodules: a new datamodule built from the checkpoint's
   * datamodule_hyper_parameters (`opts` keys override them), with its saved state loaded.
   */
  static async loadFromCheckpoint<T extends LightningDataModule>(
    this: new (
      ...args: never[]
    ) => T,
    checkpointPath: string,
    opts: LoadFromCheckpointOptions = {},
  ): Promise<T> {
    const { loadDataModuleFromCheckpoint } = await import("./saving.js");
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass the call names (MyModel.loadFromCheckpoint).
    return loadDataModuleFromCheckpoint(this, checkpointPath, opts);
  }

  /** Stores hyperparameters (logged next to the module's); pass them explicitly. */
  saveHyperparameters(hparams: Record<string, unknown> = {}, options: { ignore?: string[] } = {}): void {
    const ignore = new Set(options.ignore ?? []);
    for (const [key, value] of Object.entries(hparams)) if (!ignore.has(key)) this.#hparams[key] = value;
  }
  /** The saved hyperparameters. */
  get hparams(): Record<string, unknown> {
    return this.#hparams;
  }

  /** Downloads or prepares data once per machine (no state should be set here). */
  prepareData(): HookResult {}
  /**
   * Kiln: starts prepareData() ahead of the Trainer, so that a download overlaps the rest of a run's set-up
   * (the template's tasks call it right after instantiating the datamodule and await it before fitting). A
   * datamodule that returns a promise here makes prepareData() share it, since the Trainer calls prepareData
   * again. The default returns null: prepareData runs when the Trainer calls it.
   */
  prepareDataEarly(): Promise<void> | null {
    return null;
  }
  /** Builds datasets for a stage ("fit", "validate", "test" or "predict"). */
  setup(_stage: Stage): HookResult {}
  /** Frees what setup built. */
  teardown(_stage: Stage): HookResult {}
  /** State saved into checkpoints (Lightning stores it under the datamodule's class name). */
  stateDict(): Record<string, unknown> {
    return {};
  }
  /** Restores what stateDict() returned. */
  loadStateDict(_state: Record<string, unknown>): void {}
  /**
   * Kiln: frees what the datamodule holds (its data tensors, a download in progress) once a run is done with
   * it; the jobs of a sweep run one after another in one process. The default frees nothing.
   */
  dispose(): void {}
  /** Called when a run stops with an error. */
  onException(_exception: unknown): void {}
  /** Changes a batch before it moves to the device (overrides the module's hook when defined here). */
  onBeforeBatchTransfer?(batch: unknown, dataloaderIdx: number): unknown;
  /** Moves a batch to the device (overrides the module's hook when defined here). */
  transferBatchToDevice?(batch: unknown, device: string, dataloaderIdx: number): unknown;
  /** Changes a batch after it moved to the device (overrides the module's hook when defined here). */
  onAfterBatchTransfer?(batch: unknown, dataloaderIdx: number): unknown;

  trainDataloader?(): Iterable<unknown>;
  valDataloader?(): Iterable<unknown>;
  testDataloader?(): Iterable<unknown>;
  predictDataloader?(): Iterable<unknown>;
}
