// LightningModule: an nn.Module that also holds the training recipe (steps, optimizers) and Lightning's hooks.
// Trainer-managed state lives in #private fields so nn.Module's property scan never sees it.
import { Module } from "../torch/nn/module.js";
import type { Tensor } from "../torch/tensor.js";
import type { Callback, Checkpoint, HookResult, Stage } from "./callbacks/callback.js";
import { emitWarning } from "./callbacks/messages.js";
import { manualBackward } from "./loops/optimization/manual.js";
import { lightningOptimizers, toggleOptimizer, untoggleOptimizer, unwrapOptimizer } from "./optimizer.js";
import type { LoadFromCheckpointOptions } from "./saving.js";
import type { Trainer } from "./trainer/trainer.js";
import type {
  LogOptions,
  LogValue,
  LRSchedulerConfig,
  OptimizerLike,
  OptimizersConfig,
  SchedulerLike,
} from "./trainer/types.js";

/** What trainingStep may return: the loss, a dict holding `loss`, or null to skip the batch. */
export type TrainingStepOutput = Tensor | { loss: Tensor; [key: string]: unknown } | null | undefined;

/** Base class of Lightning-style models: override the steps, configureOptimizers and any hooks. */
export class LightningModule extends Module {
  #trainer: Trainer | null = null;
  #hparams: Record<string, unknown> = {};
  #hparamsInitial: Record<string, unknown> = {};
  #requiresGradState = new Map<Tensor, boolean>();
  /** With false the trainer leaves optimization to trainingStep (manual optimization). */
  automaticOptimization = true;
  /** Name under which hyperparameters are stored in checkpoints (Lightning's `hparams_name`). */
  hparamsName: string | null = null;
  /** Whether loading a checkpoint requires exactly the module's keys (null: the caller decides, default true). */
  strictLoading: boolean | null = null;

  /**
   * Lightning's `load_from_checkpoint`: a new module built from the checkpoint's hyper_parameters (configs saved
   * for objects, `_partial_` factories included, are instantiated again; `opts` keys other than map_location,
   * strict and trust_module_targets override saved values), then its state dict loaded. With strict (the
   * default), a checkpoint that does not fit throws PyTorch's error naming the missing and unexpected keys.
   */
  static async loadFromCheckpoint<T extends LightningModule>(
    this: new (
      ...args: never[]
    ) => T,
    checkpointPath: string,
    opts: LoadFromCheckpointOptions = {},
  ): Promise<T> {
    const { loadModuleFromCheckpoint } = await import("./saving.js");
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass the call names (MyModel.loadFromCheckpoint).
    return loadModuleFromCheckpoint(this, checkpointPath, opts);
  }

  // ---- trainer access ------------------------------------------------------------------------------------

  /** The trainer running this module; throws when it is not attached to one. */
  get trainer(): Trainer {
    if (this.#trainer === null) {
      throw new Error(`${this.constructor.name} is not attached to a \`Trainer\`.`);
    }
    return this.#trainer;
  }
  /** Attaches (or with null detaches) the trainer; called by the Trainer. */
  set trainer(trainer: Trainer | null) {
    this.#trainer = trainer;
  }
  /** Whether a trainer is attached. */
  get hasTrainer(): boolean {
    return this.#trainer !== null;
  }

  /** The device of the parameters ("cpu" when the module has none). */
  get device(): string {
    const first = this.parameters()[0];
    return first ? first.device : "cpu";
  }
  /** The trainer's current epoch (0 without a trainer). */
  get currentEpoch(): number {
    return this.#trainer?.currentEpoch ?? 0;
  }
  /** The number of optimizer steps taken (0 without a trainer). */
  get globalStep(): number {
    return this.#trainer?.globalStep ?? 0;
  }

  /**
   * The optimizers the trainer built from configureOptimizers (one alone, unwrapped from its list, as Lightning).
   * By default each is a LightningOptimizer: still an instance of its class, whose step() goes through the
   * precision plugin and, in manual optimization, counts as a global step; `useLightningOptimizer = false`
   * gives the optimizers themselves.
   */
  optimizers(useLightningOptimizer = true): OptimizerLike | OptimizerLike[] {
    const opts = useLightningOptimizer ? lightningOptimizers(this.trainer) : this.trainer.optimizers;
    return opts.length === 1 ? opts[0]! : opts;
  }
  /**
   * Backward in manual optimization (Lightning's manual_backward): through the precision plugin (a GradScaler
   * scales the loss), the backward hooks, and DDP's gradient averaging. Use it instead of `loss.backward()`.
   */
  manualBackward(loss: Tensor): void {
    this.#verifyManual("manualBackward");
    manualBackward(this.trainer, loss);
  }
  /**
   * Makes only `optimizer`'s parameters require gradients (the others' requiresGrad is saved and cleared), so
   * that a backward for one optimizer leaves no gradients on the others' (Lightning's toggle_optimizer).
   */
  toggleOptimizer(optimizer: OptimizerLike): void {
    this.#requiresGradState = toggleOptimizer(this.trainer.optimizers, optimizer);
  }
  /** Restores the requiresGrad that toggleOptimizer saved for the other optimizers' parameters. */
  untoggleOptimizer(optimizer: OptimizerLike): void {
    untoggleOptimizer(this.trainer.optimizers, optimizer, this.#requiresGradState);
    this.#requiresGradState = new Map();
  }
  /** Runs `fn` with `optimizer` toggled, untoggling afterwards (Lightning's toggled_optimizer). */
  toggledOptimizer<T>(optimizer: OptimizerLike, fn: () => T): T {
    this.toggleOptimizer(optimizer);
    try {
      return fn();
    } finally {
      this.untoggleOptimizer(optimizer);
    }
  }
  #verifyManual(fnName: string): void {
    if (this.automaticOptimization) {
      throw new Error(
        `To use ${fnName}, please disable automatic optimization: set \`this.automaticOptimization = false\` ` +
          "in the module's constructor.",
      );
    }
  }
  /** The LR schedulers (one, unwrapped; null when there are none). */
  lrSchedulers(): SchedulerLike | SchedulerLike[] | null {
    const configs = this.trainer.lrSchedulerConfigs;
    if (configs.length === 0) return null;
    return configs.length === 1 ? configs[0]!.scheduler : configs.map((c) => c.scheduler);
  }

  // ---- logging -------------------------------------------------------------------------------------------

  /** Logs a value for the loggers, callbacks and progress bar with Lightning's per-hook defaults. */
  log(name: string, value: LogValue, options: LogOptions = {}): void {
    if (this.#trainer === null) {
      // Lightning ignores self.log outside a trainer (with a warning); calling a step by hand must work.
      return;
    }
    if (this.#trainer.barebones) {
      emitWarning(
        "You are trying to `self.log()` but `Trainer(barebones=True)` is configured. Logging can impact raw speed " +
          "so it is disabled under this setting.",
        true,
      );
      return;
    }
    this.#trainer.logFromModule(name, value, options);
  }

  /** Logs every entry of `values` with the same options. */
  logDict(values: Record<string, LogValue>, options: LogOptions = {}): void {
    for (const [name, value] of Object.entries(values)) this.log(name, value, options);
  }

  /** Prints like Python's print from the main process. */
  print(...args: unknown[]): void {
    console.log(...args);
  }

  // ---- hyperparameters -----------------------------------------------------------------------------------

  /**
   * Stores hyperparameters (saved into checkpoints and sent to loggers). JS cannot read a constructor's
   * arguments, so pass them: `this.saveHyperparameters({ lr, net })`; `ignore` drops keys.
   */
  saveHyperparameters(hparams: Record<string, unknown> = {}, options: { ignore?: string[] } = {}): void {
    const ignore = new Set(options.ignore ?? []);
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(hparams)) {
      if (!ignore.has(key) && !(value instanceof Module)) kept[key] = value;
    }
    this.#hparams = { ...this.#hparams, ...kept };
    this.#hparamsInitial = copyPlain(this.#hparams);
    this.hparamsName = "kwargs";
  }
  /** The saved hyperparameters (mutable, like Lightning's AttributeDict). */
  get hparams(): Record<string, unknown> {
    return this.#hparams;
  }
  /** The hyperparameters as first saved, before any change. */
  get hparamsInitial(): Record<string, unknown> {
    return this.#hparamsInitial;
  }

  /** Freezes all parameters and switches to eval mode. */
  freeze(): void {
    this.requiresGrad_(false);
    this.eval();
  }
  /** Unfreezes all parameters and switches to train mode. */
  unfreeze(): void {
    this.requiresGrad_(true);
    this.train();
  }

  // ---- the recipe ----------------------------------------------------------------------------------------

  /** One training step: return the loss (or `{loss, ...}`, or null to skip the batch). */
  trainingStep(_batch: unknown, _batchIdx: number): TrainingStepOutput {
    throw new Error("`trainingStep` must be implemented to be used with the Lightning Trainer");
  }
  /** One validation step; log metrics with this.log. */
  validationStep(_batch: unknown, _batchIdx: number, _dataloaderIdx?: number): unknown {
    return undefined;
  }
  /** One test step; log metrics with this.log. */
  testStep(_batch: unknown, _batchIdx: number, _dataloaderIdx?: number): unknown {
    return undefined;
  }
  /** One prediction step; the default runs forward on the batch (its first element for arrays). */
  predictStep(batch: unknown, _batchIdx: number, _dataloaderIdx?: number): unknown {
    const input = Array.isArray(batch) ? batch[0] : batch;
    return (this.forward as (x: unknown) => unknown)(input);
  }
  /** The optimizers and LR schedulers to use (an optimizer, `{optimizer, lrScheduler}`, or lists). */
  configureOptimizers(): OptimizersConfig {
    throw new Error("`configureOptimizers` must be implemented to be used with the Lightning Trainer");
  }
  /** Extra callbacks; they replace trainer callbacks of the same class. */
  configureCallbacks(): Callback[] | Callback {
    return [];
  }

  // ---- hooks (no-ops; the Trainer calls them in Lightning's order) ---------------------------------------

  prepareData(): HookResult {}
  setup(_stage: Stage): HookResult {}
  teardown(_stage: Stage): HookResult {}
  configureModel(): HookResult {}
  onFitStart(): HookResult {}
  onFitEnd(): HookResult {}
  onTrainStart(): HookResult {}
  onTrainEnd(): HookResult {}
  onValidationStart(): HookResult {}
  onValidationEnd(): HookResult {}
  onTestStart(): HookResult {}
  onTestEnd(): HookResult {}
  onPredictStart(): HookResult {}
  onPredictEnd(): HookResult {}
  onTrainEpochStart(): HookResult {}
  onTrainEpochEnd(): HookResult {}
  onValidationEpochStart(): HookResult {}
  onValidationEpochEnd(): HookResult {}
  onTestEpochStart(): HookResult {}
  onTestEpochEnd(): HookResult {}
  onPredictEpochStart(): HookResult {}
  onPredictEpochEnd(): HookResult {}
  onTrainBatchStart(_batch: unknown, _batchIdx: number): HookResult | number {}
  onTrainBatchEnd(_outputs: unknown, _batch: unknown, _batchIdx: number): HookResult {}
  onValidationBatchStart(_batch: unknown, _batchIdx: number, _dataloaderIdx: number): HookResult {}
  onValidationBatchEnd(
    _outputs: unknown,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  onTestBatchStart(_batch: unknown, _batchIdx: number, _dataloaderIdx: number): HookResult {}
  onTestBatchEnd(_outputs: unknown, _batch: unknown, _batchIdx: number, _dataloaderIdx: number): HookResult {}
  onPredictBatchStart(_batch: unknown, _batchIdx: number, _dataloaderIdx: number): HookResult {}
  onPredictBatchEnd(
    _outputs: unknown,
    _batch: unknown,
    _batchIdx: number,
    _dataloaderIdx: number,
  ): HookResult {}
  /** Called before validation; the default zeroes gradients (set to None) to free memory. */
  onValidationModelZeroGrad(): void {
    this.zeroGrad({ setToNone: true });
  }
  onValidationModelEval(): void {
    this.eval();
  }
  onValidationModelTrain(): void {
    this.train();
  }
  onTestModelEval(): void {
    this.eval();
  }
  onTestModelTrain(): void {
    this.train();
  }
  onPredictModelEval(): void {
    this.eval();
  }
  /** Changes a batch before it moves to the device. */
  onBeforeBatchTransfer(batch: unknown, _dataloaderIdx: number): unknown {
    return batch;
  }
  /** Moves a batch to the device (tensors anywhere in arrays and plain objects). */
  transferBatchToDevice(batch: unknown, device: string, _dataloaderIdx: number): unknown {
    return moveToDevice(batch, device);
  }
  /** Changes a batch after it moved to the device. */
  onAfterBatchTransfer(batch: unknown, _dataloaderIdx: number): unknown {
    return batch;
  }
  onBeforeBackward(_loss: Tensor): void {}
  /** Runs backward on the loss. */
  backward(loss: Tensor): void {
    loss.backward();
  }
  onAfterBackward(): void {}
  onBeforeOptimizerStep(_optimizer: OptimizerLike): void {}
  onBeforeZeroGrad(_optimizer: OptimizerLike): void {}
  /** Steps the optimizer; `closure` runs trainingStep, zero_grad and backward and returns the loss. */
  optimizerStep(_epoch: number, _batchIdx: number, optimizer: OptimizerLike, closure: () => unknown): void {
    optimizer.step(closure);
  }
  /** Clears gradients before backward. */
  optimizerZeroGrad(_epoch: number, _batchIdx: number, optimizer: OptimizerLike): void {
    optimizer.zeroGrad();
  }
  /** Clips gradients with the trainer's gradient_clip_val/algorithm; override to customise. */
  configureGradientClipping(
    optimizer: OptimizerLike,
    gradientClipVal?: number | null,
    gradientClipAlgorithm?: "norm" | "value" | null,
  ): void {
    this.clipGradients(optimizer, gradientClipVal, gradientClipAlgorithm);
  }
  /**
   * Clips the gradients of `optimizer`'s parameters by norm or value (Lightning's clip_gradients): omitted values
   * take the Trainer's gradient_clip_val/algorithm; a value that contradicts the Trainer's is an error.
   */
  clipGradients(
    optimizer: OptimizerLike,
    gradientClipVal?: number | null,
    gradientClipAlgorithm?: "norm" | "value" | null,
  ): void {
    this.trainer.clipGradients(unwrapOptimizer(optimizer), gradientClipVal, gradientClipAlgorithm);
  }
  /** Steps one LR scheduler (with the monitored metric for ReduceLROnPlateau). */
  lrSchedulerStep(scheduler: SchedulerLike, metric: number | undefined): void {
    const step = scheduler.step as unknown as (metric?: number) => void;
    if (metric === undefined) step.call(scheduler);
    else step.call(scheduler, metric);
  }
  onSaveCheckpoint(_checkpoint: Checkpoint): HookResult {}
  onLoadCheckpoint(_checkpoint: Checkpoint): HookResult {}
  /** Data loaders may also live on the module (used when no datamodule is given). */
  trainDataloader?(): Iterable<unknown>;
  valDataloader?(): Iterable<unknown>;
  testDataloader?(): Iterable<unknown>;
  predictDataloader?(): Iterable<unknown>;
}

/** A scheduler entry as the trainer normalised it (with Lightning's defaults filled in). */
export type { LRSchedulerConfig };

/** Moves every tensor inside `batch` to `device`; tensors already there are returned as they are. */
export function moveToDevice(batch: unknown, device: string): unknown {
  if (batch === null || typeof batch !== "object") return batch;
  if (isTensor(batch)) return batch.device === device ? batch : batch.to(device);
  if (Array.isArray(batch)) return batch.map((b) => moveToDevice(b, device));
  if (Object.getPrototypeOf(batch) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(batch)) out[k] = moveToDevice(v, device);
    return out;
  }
  return batch;
}

function isTensor(value: object): value is Tensor {
  return typeof (value as Tensor).dispose === "function" && typeof (value as Tensor).to === "function";
}

/** Deep copy of plain objects and arrays; class instances (PyFloat, tensors) are shared, not copied. */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyPlain(v);
    return out as T;
  }
  return value;
}
