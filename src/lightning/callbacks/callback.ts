// The Callback base class: every Lightning 2.x callback hook, camelCase, with no-op bodies.
// The trainer awaits each hook, so a subclass may return a Promise (e.g. to write a checkpoint file).
import { pyRepr } from "../../common/pyrepr.js";
import type { LightningModule } from "../module.js";
import type { TrainerFn } from "../trainer/states.js";
import type { Trainer } from "../trainer/trainer.js";

/** The stage a trainer entry point runs: the `stage` argument of setup/teardown (the Trainer's TrainerFn). */
export type Stage = TrainerFn;

/** What a hook may return: nothing, or a Promise the trainer awaits before going on. */
export type HookResult = void | Promise<void>;

/** A checkpoint as a plain object (what torch.save writes and torch.load returns). */
export type Checkpoint = Record<string, unknown>;

/** Base class of all callbacks; override only the hooks you need (Lightning's `Callback`). */
export class Callback {
  /**
   * Key under which this callback's state is stored in `checkpoint.callbacks`. Lightning uses the class
   * name; callbacks with options that make two instances distinct (ModelCheckpoint) override it.
   */
  get stateKey(): string {
    return this.constructor.name;
  }

  /** Builds a state key from the class name and some options, as Lightning's `_generate_state_key`. */
  protected generateStateKey(options: Record<string, unknown>): string {
    return `${this.constructor.name}${pyRepr(options)}`;
  }

  /** Called when fit, validate, test or predict begins, after the datamodule's and before the module's setup. */
  setup(_trainer: Trainer, _module: LightningModule, _stage: Stage): HookResult {}
  /** Called when fit, validate, test or predict ends. */
  teardown(_trainer: Trainer, _module: LightningModule, _stage: Stage): HookResult {}

  onFitStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onFitEnd(_trainer: Trainer, _module: LightningModule): HookResult {}
  onSanityCheckStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onSanityCheckEnd(_trainer: Trainer, _module: LightningModule): HookResult {}

  onTrainBatchStart(
    _trainer: Trainer,
    _module: LightningModule,
    _batch: unknown,
    _batchIdx: number,
  ): HookResult {}
  /** `outputs` is what trainingStep returned, with tensors converted to numbers (the step's tensors are freed). */
  onTrainBatchEnd(
    _trainer: Trainer,
    _module: LightningModule,
    _outputs: unknown,
    _batch: unknown,
    _batchIdx: number,
  ): HookResult {}
  onTrainEpochStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onTrainEpochEnd(_trainer: Trainer, _module: LightningModule): HookResult {}

  onValidationEpochStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onValidationEpochEnd(_trainer: Trainer, _module: LightningModule): HookResult {}
  onTestEpochStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onTestEpochEnd(_trainer: Trainer, _module: LightningModule): HookResult {}
  onPredictEpochStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onPredictEpochEnd(_trainer: Trainer, _module: LightningModule): HookResult {}

  onValidationBatchStart(
    _trainer: Trainer,
    _module: LightningModule,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  onValidationBatchEnd(
    _trainer: Trainer,
    _module: LightningModule,
    _outputs: unknown,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  onTestBatchStart(
    _trainer: Trainer,
    _module: LightningModule,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  onTestBatchEnd(
    _trainer: Trainer,
    _module: LightningModule,
    _outputs: unknown,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  onPredictBatchStart(
    _trainer: Trainer,
    _module: LightningModule,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  onPredictBatchEnd(
    _trainer: Trainer,
    _module: LightningModule,
    _outputs: unknown,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}

  onTrainStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onTrainEnd(_trainer: Trainer, _module: LightningModule): HookResult {}
  onValidationStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onValidationEnd(_trainer: Trainer, _module: LightningModule): HookResult {}
  onTestStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onTestEnd(_trainer: Trainer, _module: LightningModule): HookResult {}
  onPredictStart(_trainer: Trainer, _module: LightningModule): HookResult {}
  onPredictEnd(_trainer: Trainer, _module: LightningModule): HookResult {}

  /** Called when a run stops with an error (including a Ctrl-C interruption). */
  onException(_trainer: Trainer, _module: LightningModule, _exception: unknown): HookResult {}

  /** The callback's state saved into `checkpoint.callbacks[stateKey]`; the default saves nothing. */
  stateDict(): Record<string, unknown> {
    return {};
  }
  /** Restores what stateDict() returned, when fitting resumes from a checkpoint. */
  loadStateDict(_state: Record<string, unknown>): void {}

  /** Called when a checkpoint is built, before it is written; may add entries to `checkpoint`. */
  onSaveCheckpoint(_trainer: Trainer, _module: LightningModule, _checkpoint: Checkpoint): HookResult {}
  /** Called when a checkpoint is restored. */
  onLoadCheckpoint(_trainer: Trainer, _module: LightningModule, _checkpoint: Checkpoint): HookResult {}

  /** `loss` is the (already scaled by accumulation) loss tensor, before backward runs. */
  onBeforeBackward(_trainer: Trainer, _module: LightningModule, _loss: unknown): HookResult {}
  /** Called after backward, when gradients exist and before the optimizer step. */
  onAfterBackward(_trainer: Trainer, _module: LightningModule): HookResult {}
  onBeforeOptimizerStep(_trainer: Trainer, _module: LightningModule, _optimizer: unknown): HookResult {}
  onBeforeZeroGrad(_trainer: Trainer, _module: LightningModule, _optimizer: unknown): HookResult {}
}

/** The names of every hook a Callback can override (what the trainer dispatches). */
export type CallbackHookName = {
  [K in keyof Callback]: Callback[K] extends (...args: never[]) => HookResult ? K : never;
}[keyof Callback];
