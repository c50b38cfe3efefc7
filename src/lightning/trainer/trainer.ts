// The Trainer (Lightning 2.x's public API): its entry points (fit, validate, test, predict), flags and the state
// modules, callbacks and loggers read. It holds the loops (src/lightning/loops/) and the connectors
// (./connectors/); run.ts runs an entry point from start to end. docs/ARCHITECTURE.md shows the whole picture.
import { resolve } from "node:path";
import { clipGradNorm_, clipGradValue_ } from "../../torch/nn/clip-grad.js";
import type { Tensor } from "../../torch/tensor.js";
import type { Callback } from "../callbacks/callback.js";
import { emitInfo } from "../callbacks/messages.js";
import { LightningDataModule } from "../datamodule.js";
import type { Logger } from "../loggers/logger.js";
import { VersionedDirLogger } from "../loggers/versioned-dir-logger.js";
import { EvaluationLoop } from "../loops/evaluation-loop.js";
import { FitLoop } from "../loops/fit-loop.js";
import { PredictionLoop } from "../loops/prediction-loop.js";
import type { Loader } from "../loops/utilities.js";
import type { LightningModule } from "../module.js";
import { createStrategy } from "../strategies/ddp.js";
import type { Strategy } from "../strategies/strategy.js";
import { applyThreads, checkPrecision, type DeviceChoice, resolveDevice } from "./accelerator.js";
import { buildCallbacks } from "./connectors/callback-connector.js";
import { CheckpointConnector } from "./connectors/checkpoint-connector.js";
import { DataConnector, type StageInputs } from "./connectors/data-connector.js";
import { resolveLogOptions } from "./connectors/log-options.js";
import { buildLoggers, LoggerConnector } from "./connectors/logger-connector.js";
import { RequeueConnector } from "./connectors/requeue-connector.js";
import { SignalConnector } from "./connectors/signal-connector.js";
import { checkAnomaly, TrainerFlags } from "./flags.js";
import { HookCaller, isCheckpointCallback } from "./hooks.js";
import type { ResolvedSchedulerConfig } from "./optimization.js";
import { resolveTrainerOptions, type TrainerOptions } from "./options.js";
import { type PrecisionPlugin, precisionPlugin, usePluginsOption } from "./precision.js";
import { SimpleProfiler } from "./profiler.js";
import { runEntryPoint } from "./run.js";
import type { TrainerFn, TrainerState } from "./states.js";
import type { LogOptions, LogValue, MetricsDict, OptimizerLike } from "./types.js";

export type { StageInputs } from "./connectors/data-connector.js";
export type { TrainerState } from "./states.js";

/** Runs a LightningModule's training, validation, test and prediction with Lightning 2.x semantics. */
export class Trainer extends TrainerFlags {
  readonly deviceChoice: DeviceChoice;
  /** How the ranks run and what they exchange (Lightning's trainer.strategy). */
  readonly strategy: Strategy;
  /** Every callback, in call order (checkpoint callbacks last, as Lightning orders them). */
  callbacks: Callback[];
  readonly loggers: Logger[];
  readonly profiler: SimpleProfiler | null;
  readonly hooks: HookCaller;
  readonly state: TrainerState = { fn: null, stage: null, status: "initializing" };
  /** Set by callbacks (EarlyStopping) to end fit after the current step/epoch. */
  shouldStop = false;
  /** The hook now running (decides self.log's defaults). */
  currentFxName: string | null = null;
  optimizers: OptimizerLike[] = [];
  lrSchedulerConfigs: ResolvedSchedulerConfig[] = [];
  /** The checkpoint that the running fit resumed from (or validate/test loaded). */
  ckptPath: string | null = null;

  // The loops (Lightning's trainer.fit_loop, validate_loop, test_loop, predict_loop).
  readonly fitLoop: FitLoop;
  readonly validateLoop: EvaluationLoop;
  readonly testLoop: EvaluationLoop;
  readonly predictLoop: PredictionLoop;

  // The connectors.
  readonly loggerConnector: LoggerConnector;
  readonly checkpointConnector: CheckpointConnector;
  readonly dataConnector: DataConnector;
  readonly signalConnector = new SignalConnector();
  readonly requeueConnector = new RequeueConnector();

  #module: LightningModule | null = null;
  #datamodule: LightningDataModule | null = null;

  /** Builds a trainer; options use Lightning's snake_case flag names (`max_epochs`, `limit_val_batches`). */
  constructor(options: TrainerOptions = {}) {
    super(resolveTrainerOptions(options));
    if (this.options.barebones) emitInfo(BAREBONES_INFO);
    this.deviceChoice = resolveDevice(this.options);
    this.strategy = createStrategy(options, this.deviceChoice.accelerator);
    checkPrecision(this.options, this.deviceChoice);
    applyThreads(this.options);
    this.loggers = buildLoggers(options.logger, this.options);
    this.callbacks = buildCallbacks(options.callbacks, this.options);
    this.profiler = this.options.profiler === "simple" ? new SimpleProfiler() : null;
    this.hooks = new HookCaller(this);
    this.fitLoop = new FitLoop(this);
    this.validateLoop = new EvaluationLoop(this, "validate");
    this.testLoop = new EvaluationLoop(this, "test");
    this.predictLoop = new PredictionLoop(this);
    this.loggerConnector = new LoggerConnector(this);
    this.checkpointConnector = new CheckpointConnector(this);
    this.dataConnector = new DataConnector(this);
    usePluginsOption(this, options.plugins);
  }

  // ---- entry points ----------------------------------------------------------------------------------------

  /** Trains `model` (Lightning's trainer.fit); `ckptPath` resumes from a checkpoint ("last" or a path). */
  async fit(model: LightningModule, inputs: StageInputs | LightningDataModule = {}): Promise<void> {
    const stageInputs = asInputs(inputs);
    if (stageInputs.ckptPath) this.resumeLoggerRuns(stageInputs.ckptPath);
    await this.#run("fit", model, stageInputs);
  }

  /**
   * Resuming a fit continues the tracker runs its checkpoint names (`logger_run_ids`); fit() calls it before
   * anything is logged, an app that logs before fit (the template's log_hyperparameters) calls it first.
   */
  resumeLoggerRuns(ckptPath: string): void {
    this.checkpointConnector.resumeLoggerRuns(ckptPath);
  }
  /** Runs the validation loop once; returns the logged metrics per dataloader. */
  async validate(
    model?: LightningModule | null,
    inputs: StageInputs | LightningDataModule = {},
  ): Promise<MetricsDict[]> {
    return (await this.#run("validate", model, this.#defaultCkpt(model, inputs))) as MetricsDict[];
  }
  /** Runs the test loop once; `ckptPath: "best" | "last" | path` loads weights first. */
  async test(
    model?: LightningModule | null,
    inputs: StageInputs | LightningDataModule = {},
  ): Promise<MetricsDict[]> {
    return (await this.#run("test", model, this.#defaultCkpt(model, inputs))) as MetricsDict[];
  }
  /** Runs predictStep over the predict dataloader(s); the caller owns the returned tensors. */
  async predict(
    model?: LightningModule | null,
    inputs: StageInputs | LightningDataModule = {},
  ): Promise<unknown[]> {
    return (await this.#run("predict", model, this.#defaultCkpt(model, inputs))) as unknown[];
  }

  #run(fn: TrainerFn, model: LightningModule | null | undefined, inputs: StageInputs): Promise<unknown> {
    return this.strategy.run(this, fn, () => runEntryPoint(this, fn, model ?? this.#module, inputs));
  }

  /**
   * Lightning's checkpoint choice for validate/test/predict: without a model argument (reusing the fitted
   * one) and without ckptPath, the best checkpoint is used when a ModelCheckpoint saved one.
   */
  #defaultCkpt(
    model: LightningModule | null | undefined,
    given: StageInputs | LightningDataModule,
  ): StageInputs {
    const inputs = asInputs(given);
    if (model || inputs.ckptPath !== undefined) return inputs;
    const best = (this.checkpointCallback as { bestModelPath?: string } | null)?.bestModelPath;
    return best ? { ...inputs, ckptPath: "best" } : inputs;
  }

  // ---- state read by modules, callbacks and loggers --------------------------------------------------------

  get lightningModule(): LightningModule {
    if (this.#module === null)
      throw new Error("The Trainer has no LightningModule attached (call fit/validate/test first).");
    return this.#module;
  }
  /** Whether a LightningModule is attached (lightningModule throws when none is). */
  get hasLightningModule(): boolean {
    return this.#module !== null;
  }
  get datamodule(): LightningDataModule | null {
    return this.#datamodule;
  }
  /** Attaches the module and datamodule of an entry point (called when it starts). */
  attach(module: LightningModule, datamodule: LightningDataModule | null): void {
    this.#module = module;
    this.#datamodule = datamodule;
    module.trainer = this;
    if (datamodule !== null) datamodule.trainer = this;
  }
  get isGlobalZero(): boolean {
    return this.strategy.isGlobalZero;
  }
  get globalRank(): number {
    return this.strategy.globalRank;
  }
  get localRank(): number {
    return this.strategy.localRank;
  }
  get nodeRank(): number {
    return this.strategy.nodeRank;
  }
  get worldSize(): number {
    return this.strategy.worldSize;
  }
  /** The first logger (Lightning's trainer.logger), or null. */
  get logger(): Logger | null {
    return this.loggers[0] ?? null;
  }
  /** Completed epochs; the index of the epoch running now. */
  get currentEpoch(): number {
    return this.fitLoop.epochProgress.current.completed;
  }
  /** Optimizer steps taken. */
  get globalStep(): number {
    return this.fitLoop.epochLoop.globalStep;
  }
  /** Optimizer steps as loggers count them (Lightning's `_batches_that_stepped`). */
  get batchesThatStepped(): number {
    return this.fitLoop.epochLoop.batchesThatStepped;
  }
  get training(): boolean {
    return this.state.stage === "train";
  }
  get validating(): boolean {
    return this.state.stage === "validate";
  }
  get testing(): boolean {
    return this.state.stage === "test";
  }
  get predicting(): boolean {
    return this.state.stage === "predict";
  }
  get sanityChecking(): boolean {
    return this.state.stage === "sanity_check";
  }
  /** The training loader of the running fit. */
  get trainDataloader(): Loader | null {
    return this.fitLoop.trainDataloader;
  }
  get valDataloaders(): Loader[] {
    return this.fitLoop.epochLoop.valLoop.loaders;
  }
  get testDataloaders(): Loader[] {
    return this.testLoop.loaders;
  }
  get predictDataloaders(): Loader[] {
    return this.predictLoop.loaders;
  }
  /** Training batches per epoch (after limit_train_batches). */
  get numTrainingBatches(): number {
    return this.fitLoop.numTrainingBatches;
  }
  /** Validation batches per loader: fit's validation, or trainer.validate's. */
  get numValBatches(): number[] {
    return this.state.fn === "fit" ? this.fitLoop.epochLoop.valLoop.maxBatches : this.validateLoop.maxBatches;
  }
  get numSanityValBatches(): number[] {
    return this.fitLoop.epochLoop.valLoop.sanityMaxBatches;
  }
  get numTestBatches(): number[] {
    return this.testLoop.maxBatches;
  }
  get numPredictBatches(): number[] {
    return this.predictLoop.maxBatches;
  }
  /** Validate every this many training batches (Infinity: only at epoch end). */
  get valCheckBatch(): number {
    return this.fitLoop.epochLoop.valCheckBatch;
  }
  /** Whether the running fit has a validation loop. */
  get enableValidation(): boolean {
    return this.fitLoop.enableValidation;
  }
  get callbackMetrics(): MetricsDict {
    return this.loggerConnector.callbackMetrics;
  }
  get loggedMetrics(): MetricsDict {
    return this.loggerConnector.loggedMetrics;
  }
  get progressBarMetrics(): MetricsDict {
    return this.loggerConnector.progressBarMetrics;
  }
  /** Whether this step's metrics go to the loggers (every log_every_n_steps). */
  get shouldUpdateLogs(): boolean {
    if (this.logEveryNSteps === 0) return false; // Lightning: 0 (barebones) never logs step metrics
    return (this.batchesThatStepped + 1) % this.logEveryNSteps === 0 || this.shouldStop;
  }
  /** The first checkpointing callback (ModelCheckpoint), or null. */
  get checkpointCallback(): Callback | null {
    return this.checkpointCallbacks[0] ?? null;
  }
  get checkpointCallbacks(): Callback[] {
    return this.callbacks.filter(isCheckpointCallback);
  }
  /** Where checkpoints and artifacts go: the first logger's log_dir (save_dir for others), else default_root_dir. */
  get logDir(): string {
    const first = this.loggers[0];
    if (first === undefined) return this.defaultRootDir;
    // Lightning reads log_dir of its CSV and TensorBoard loggers (a version folder), save_dir of the others.
    const dir = first instanceof VersionedDirLogger ? first.logDir : first.saveDir;
    return dir ?? this.defaultRootDir;
  }
  get defaultRootDir(): string {
    return resolve(this.options.defaultRootDir);
  }
  get device(): string {
    return this.deviceChoice.device;
  }
  /** Lightning's trainer.precision_plugin. */
  get precisionPlugin(): PrecisionPlugin {
    return precisionPlugin(this);
  }
  /** The precision the run uses (Lightning's trainer.precision: "16-mixed" on the CPU reads "bf16-mixed"). */
  get precision(): string {
    return precisionPlugin(this).precision;
  }
  /** Whether a Ctrl-C asked the running fit to stop. */
  get interrupted(): boolean {
    return this.signalConnector.requested;
  }

  // ---- services for modules, callbacks and loops ------------------------------------------------------------

  /** self.log's backend: validates the call for the current hook and records it. */
  logFromModule(name: string, value: LogValue, options: LogOptions): void {
    const resolved = resolveLogOptions(this.currentFxName, name, options);
    const results = this.loggerConnector.activeResults;
    if (results === null) return;
    results.log(this.currentFxName!, name, value, resolved);
  }

  /** Saves a checkpoint of the current state to `filepath` (what ModelCheckpoint calls). */
  saveCheckpoint(filepath: string, weightsOnly = false): Promise<void> {
    return this.checkpointConnector.save(filepath, weightsOnly);
  }

  /**
   * Clips the gradients of `optimizer`'s parameters (LightningModule.clipGradients, as Lightning's
   * clip_gradients): omitted values take the flags' gradient_clip_val/algorithm; a value that contradicts the
   * flag is an error.
   */
  clipGradients(optimizer: OptimizerLike, value?: number | null, algorithm?: "norm" | "value" | null): void {
    const flag = this.gradientClipVal;
    let clip = value ?? null;
    if (clip === null) clip = flag ?? 0;
    else if (flag !== null && flag !== clip) {
      throw new Error(
        `You have set \`Trainer(gradient_clip_val=${flag})\` and have passed ` +
          `\`clipGradients(gradientClipVal=${clip})\`. Please use only one of them.`,
      );
    }
    if (typeof clip !== "number" || Number.isNaN(clip)) {
      throw new TypeError(`\`gradientClipVal\` should be an int or a float. Got ${String(clip)}.`);
    }
    const how = algorithm ?? this.gradientClipAlgorithm;
    if (how !== "norm" && how !== "value") {
      throw new Error(
        `\`gradientClipAlgorithm\` ${JSON.stringify(how)} is invalid. Allowed algorithms: "norm", "value".`,
      );
    }
    if (clip <= 0) return;
    const params = optimizer.paramGroups.flatMap((g) => [...(g.params ?? [])]);
    if (how === "value") clipGradValue_(params, clip);
    else clipGradNorm_(params, clip);
  }

  /** detect_anomaly: fails the step when the loss or a gradient is NaN/Inf, naming where. */
  checkAnomaly(loss: Tensor): void {
    checkAnomaly(this, loss);
  }

  /** Runs the batch-transfer hooks (the datamodule's versions replace the module's); see DataConnector. */
  transferBatch(batch: unknown, dataloaderIdx: number): unknown {
    return this.dataConnector.transferBatch(batch, dataloaderIdx);
  }

  /** Times `fn` under `action` when profiling. */
  profiledCall<T>(action: string, fn: () => T): T {
    return this.profiler === null ? fn() : this.profiler.profile(action, fn);
  }

  /** Lets signals and finalizers run between steps (see SignalConnector); `force` yields now. */
  yieldToEventLoop(force = false): Promise<void> | undefined {
    return this.signalConnector.yieldToEventLoop(force);
  }

  /** Throws the interruption signal when Ctrl-C was pressed (checked between steps). */
  throwIfInterrupted(): void {
    this.signalConnector.throwIfRequested();
  }
}

const BAREBONES_INFO =
  "You are running in `Trainer(barebones=True)` mode. All features that may impact raw speed have been disabled " +
  "to facilitate analyzing the Trainer overhead. Specifically, the following features are deactivated:\n" +
  [
    " - Checkpointing: `Trainer(enable_checkpointing=True)`",
    " - Progress bar: `Trainer(enable_progress_bar=True)`",
    " - Model summary: `Trainer(enable_model_summary=True)`",
    " - Logging: `Trainer(logger=True)`, `Trainer(log_every_n_steps>0)`, `LightningModule.log(...)`, `LightningModule.log_dict(...)`",
    " - Sanity checking: `Trainer(num_sanity_val_steps>0)`",
    " - Development run: `Trainer(fast_dev_run=True)`",
    " - Anomaly detection: `Trainer(detect_anomaly=True)`",
    " - Profiling: `Trainer(profiler=...)`",
  ].join("\n");

/** Lightning also accepts the datamodule itself as the second argument (`trainer.fit(model, dm)`). */
function asInputs(given: StageInputs | LightningDataModule): StageInputs {
  return given instanceof LightningDataModule ? { datamodule: given } : given;
}
