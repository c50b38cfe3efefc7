// The Trainer: Lightning 2.x's entry points (fit, validate, test, predict), flags and public state. The loops
// live in fit-loop.ts and evaluation-loop.ts; this file wires stages, hooks, loggers and checkpoints together.
import { resolve } from "node:path";
import { getRngState, setRngState } from "../../torch/generator.js";
import { clipGradNorm_, clipGradValue_ } from "../../torch/nn/clip-grad.js";
import type { Tensor } from "../../torch/tensor.js";
import type { Callback, Stage } from "../callbacks/callback.js";
import { LightningDataModule } from "../datamodule.js";
import type { Logger } from "../loggers/logger.js";
import { EpochRng } from "../loops/epoch-rng.js";
import { type EvalProgress, newEvalProgress } from "../loops/evaluation-loop.js";
import { FitProgress } from "../loops/progress.js";
import type { LightningModule } from "../module.js";
import { createStrategy } from "../strategies/ddp.js";
import type { Strategy } from "../strategies/strategy.js";
import { applyThreads, checkPrecision, type DeviceChoice, resolveDevice } from "./accelerator.js";
import { buildCallbacks, buildLoggers, mergeModelCallbacks } from "./connectors/callback-connector.js";
import { dumpCheckpoint, resumeCheckpointRuns, writeCheckpoint } from "./connectors/checkpoint-connector.js";
import type { Loader } from "./connectors/data-connector.js";
import { resolveLogOptions } from "./connectors/log-options.js";
import { LoggerConnector } from "./connectors/logger-connector.js";
import { ResultCollection } from "./connectors/results.js";
import { InterruptHandler } from "./connectors/signal-connector.js";
import { checkAnomaly, TrainerFlags } from "./flags.js";
import { HookCaller, isCheckpointCallback } from "./hooks.js";
import type { ResolvedSchedulerConfig } from "./optimization.js";
import { limitBatches, resolveTrainerOptions, type TrainerOptions } from "./options.js";
import { type PrecisionPlugin, precisionPlugin, usePluginsOption } from "./precision.js";
import { SimpleProfiler } from "./profiler.js";
import { type StageInputs, StageRunner } from "./stage.js";
import type { LogOptions, LogValue, MetricsDict, OptimizerLike } from "./types.js";

/** Lightning's trainer.state: the entry point running and the loop running now. */
export interface TrainerState {
  fn: "fit" | "validate" | "test" | "predict" | null;
  stage: "train" | "sanity_check" | "validate" | "test" | "predict" | null;
  status: "initializing" | "running" | "finished" | "interrupted";
}

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
  readonly loggerConnector: LoggerConnector;
  readonly state: TrainerState = { fn: null, stage: null, status: "initializing" };
  readonly progress = new FitProgress();
  readonly valProgress: EvalProgress = newEvalProgress();
  readonly validateProgress: EvalProgress = newEvalProgress();
  readonly testProgress: EvalProgress = newEvalProgress();
  readonly predictProgress: EvalProgress = newEvalProgress();
  /** Set by callbacks (EarlyStopping) to end fit after the current step/epoch. */
  shouldStop = false;
  /** The hook now running (decides self.log's defaults). */
  currentFxName: string | null = null;
  optimizers: OptimizerLike[] = [];
  lrSchedulerConfigs: ResolvedSchedulerConfig[] = [];
  /** The checkpoint that the running fit resumed from (or validate/test loaded). */
  ckptPath: string | null = null;
  trainDataloader: Loader | null = null;
  valDataloaders: Loader[] = [];
  testDataloaders: Loader[] = [];
  predictDataloaders: Loader[] = [];
  numTrainingBatches = 0;
  numValBatches: number[] = [];
  numSanityValBatches: number[] = [];
  numTestBatches: number[] = [];
  numPredictBatches: number[] = [];
  /** Validate every this many training batches (Infinity: only at epoch end). */
  valCheckBatch = Number.POSITIVE_INFINITY;
  /** Whether this fit has a validation loop (val data, validationStep overridden, limit_val_batches > 0). */
  enableValidation = false;
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
  /** The epoch-start RNG state (saved in checkpoints for exact mid-epoch resume). */
  readonly rng = new EpochRng();
  readonly trainResults = new ResultCollection(true);
  readonly evalResults = new ResultCollection(false);
  #module: LightningModule | null = null;
  #datamodule: LightningDataModule | null = null;
  readonly #interrupts = new InterruptHandler();
  #lastYield = 0;
  readonly #stages: StageRunner;

  /** Builds a trainer; options use Lightning's snake_case flag names (`max_epochs`, `limit_val_batches`). */
  constructor(options: TrainerOptions = {}) {
    super(resolveTrainerOptions(options));
    this.deviceChoice = resolveDevice(this.options);
    this.strategy = createStrategy(options, this.deviceChoice.accelerator);
    checkPrecision(this.options, this.deviceChoice);
    applyThreads(this.options);
    this.loggers = buildLoggers(options.logger, this.options);
    this.callbacks = buildCallbacks(options.callbacks, this.options);
    this.profiler = this.options.profiler === "simple" ? new SimpleProfiler() : null;
    this.hooks = new HookCaller(this);
    this.loggerConnector = new LoggerConnector(this);
    this.#stages = new StageRunner(this, this.#interrupts);
    usePluginsOption(this, options.plugins);
  }

  // ---- entry points ----------------------------------------------------------------------------------------

  /** Trains `model` (Lightning's trainer.fit); `ckptPath` resumes from a checkpoint ("last" or a path). */
  async fit(model: LightningModule, inputs: StageInputs | LightningDataModule = {}): Promise<void> {
    const stageInputs = asInputs(inputs);
    if (stageInputs.ckptPath) this.resumeLoggerRuns(stageInputs.ckptPath);
    await this.strategy.run(this, "fit", () => this.#stages.run("fit", model, stageInputs));
  }

  /**
   * Resuming a fit continues the tracker runs its checkpoint names (`logger_run_ids`); fit() calls it before
   * anything is logged, an app that logs before fit (the template's log_hyperparameters) calls it first.
   */
  resumeLoggerRuns(ckptPath: string): void {
    resumeCheckpointRuns(this, ckptPath);
  }
  /** Runs the validation loop once; returns the logged metrics per dataloader. */
  async validate(
    model?: LightningModule | null,
    inputs: StageInputs | LightningDataModule = {},
  ): Promise<MetricsDict[]> {
    return (await this.strategy.run(this, "validate", () =>
      this.#stages.run("validate", model ?? this.#module, this.defaultCkpt(model, inputs)),
    )) as MetricsDict[];
  }
  /** Runs the test loop once; `ckptPath: "best" | "last" | path` loads weights first. */
  async test(
    model?: LightningModule | null,
    inputs: StageInputs | LightningDataModule = {},
  ): Promise<MetricsDict[]> {
    return (await this.strategy.run(this, "test", () =>
      this.#stages.run("test", model ?? this.#module, this.defaultCkpt(model, inputs)),
    )) as MetricsDict[];
  }
  /** Runs predictStep over the predict dataloader(s); the caller owns the returned tensors. */
  async predict(
    model?: LightningModule | null,
    inputs: StageInputs | LightningDataModule = {},
  ): Promise<unknown[]> {
    return (await this.strategy.run(this, "predict", () =>
      this.#stages.run("predict", model ?? this.#module, this.defaultCkpt(model, inputs)),
    )) as unknown[];
  }

  /**
   * Lightning's checkpoint choice for validate/test/predict: without a model argument (reusing the fitted
   * one) and without ckptPath, the best checkpoint is used when a ModelCheckpoint saved one.
   */
  private defaultCkpt(
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
  get datamodule(): LightningDataModule | null {
    return this.#datamodule;
  }
  /** Attaches the module and datamodule of a stage (called by the stage runner). */
  attach(module: LightningModule, datamodule: LightningDataModule | null): void {
    this.#module = module;
    this.#datamodule = datamodule;
    module.trainer = this;
    if (datamodule !== null) datamodule.trainer = this;
  }
  /** The first logger (Lightning's trainer.logger), or null. */
  get logger(): Logger | null {
    return this.loggers[0] ?? null;
  }
  /** Completed epochs; the index of the epoch running now. */
  get currentEpoch(): number {
    return this.progress.epoch.current.completed;
  }
  /** Optimizer steps taken. */
  get globalStep(): number {
    return this.progress.optimStep.total.completed;
  }
  get batchesThatStepped(): number {
    return this.progress.batchesThatStepped;
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
  /** Whether the result collection of the training loop is the active one. */
  get activeResults(): ResultCollection | null {
    if (this.state.stage === null) return null;
    return this.state.stage === "train" ? this.trainResults : this.evalResults;
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
    const name = first.constructor.name;
    const dir = name === "CSVLogger" || name === "TensorBoardLogger" ? first.logDir : first.saveDir;
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
    return this.#interrupts.requested;
  }

  // ---- services for modules, callbacks and loops ------------------------------------------------------------

  /** self.log's backend: validates the call for the current hook and records it. */
  logFromModule(name: string, value: LogValue, options: LogOptions): void {
    const resolved = resolveLogOptions(this.currentFxName, name, options);
    const results = this.activeResults;
    if (results === null) return;
    results.log(this.currentFxName!, name, value, resolved);
  }

  /** Saves a checkpoint of the current state to `filepath` (what ModelCheckpoint calls). */
  async saveCheckpoint(filepath: string, weightsOnly = false): Promise<void> {
    if (!this.isGlobalZero) return; // Lightning's strategy.save_checkpoint writes on global rank 0 only
    for (const logger of this.loggers) {
      const started = (logger as { whenStarted?: () => Promise<unknown> }).whenStarted;
      if (typeof started === "function") await started.call(logger);
    }
    const checkpoint = await dumpCheckpoint(this, weightsOnly);
    writeCheckpoint(checkpoint, filepath);
  }

  /** The `loops` entry of checkpoints. */
  loopsStateDict(): Record<string, unknown> {
    return this.progress.stateDict(
      this.valProgress,
      this.validateProgress,
      this.testProgress,
      this.predictProgress,
    );
  }

  /** Clips the gradients of `optimizer`'s parameters (LightningModule.clipGradients). */
  clipGradients(optimizer: OptimizerLike, value?: number | null, algorithm?: "norm" | "value" | null): void {
    const clip = value ?? null;
    if (clip === null || clip === 0) return;
    const params = optimizer.paramGroups.flatMap((g) => [...(g.params ?? [])]);
    if ((algorithm ?? "norm") === "value") clipGradValue_(params, clip);
    else clipGradNorm_(params, clip);
  }

  /** detect_anomaly: fails the step when the loss or a gradient is NaN/Inf, naming where. */
  checkAnomaly(loss: Tensor): void {
    checkAnomaly(this, loss);
  }

  /**
   * Runs the batch-transfer hooks (the datamodule's versions replace the module's when it defines them). The
   * result is a Promise only when a hook returned one; hooks left at their pass-through defaults are skipped.
   */
  transferBatch(batch: unknown, dataloaderIdx: number): unknown {
    const dm = this.#datamodule as unknown as Record<string, unknown> | null;
    const call = (name: string, ...args: unknown[]): unknown => {
      if (dm !== null && typeof dm[name] === "function") return this.hooks.datamodule(name, ...args);
      if (this.hooks.skipsModuleHook(name)) return args[0];
      return this.hooks.module(name, ...args);
    };
    const then = (value: unknown, next: (v: unknown) => unknown): unknown =>
      value instanceof Promise ? value.then(next) : next(value);
    return then(call("onBeforeBatchTransfer", batch, dataloaderIdx), (b) =>
      then(call("transferBatchToDevice", b, this.device, dataloaderIdx), (moved) =>
        call("onAfterBatchTransfer", moved, dataloaderIdx),
      ),
    );
  }

  /** Times `fn` under `action` when profiling. */
  profiledCall<T>(action: string, fn: () => T): T {
    return this.profiler === null ? fn() : this.profiler.profile(action, fn);
  }

  /**
   * Lets signals and finalizers run between steps (Node delivers them only from the event loop). A turn of the
   * loop costs 5-30 us, so it is taken once YIELD_INTERVAL_MS have passed since the last one, not after every
   * step: a Ctrl-C is then seen at most that long after it arrives, still between two steps. `force` yields
   * now (before a validation or the epoch-end hooks, which may save checkpoints).
   */
  yieldToEventLoop(force = false): Promise<void> | undefined {
    const now = performance.now();
    if (!force && now - this.#lastYield < YIELD_INTERVAL_MS) return undefined;
    this.#lastYield = now;
    return new Promise((r) => setImmediate(r));
  }

  /** Throws the interruption signal when Ctrl-C was pressed (checked between steps). */
  throwIfInterrupted(): void {
    this.#interrupts.throwIfRequested();
  }

  /** Validation inside fit: switches the stage, runs the loop, switches back. */
  async runValidationInFit(): Promise<void> {
    const { validateDuringFit } = await import("../loops/fit-loop.js");
    // A Ctrl-C that arrived during the training steps stops the fit before this validation (and its saves).
    await this.yieldToEventLoop(true);
    this.throwIfInterrupted();
    this.state.stage = "validate";
    try {
      await validateDuringFit(this);
      this.strategy.agreeOnStop(this);
    } finally {
      this.state.stage = "train";
    }
  }

  /** Runs `fn` with the global RNG state restored afterwards (Lightning's isolate_rng for the sanity check). */
  async isolateRng<T>(fn: () => Promise<T>): Promise<T> {
    const saved = getRngState();
    try {
      return await fn();
    } finally {
      setRngState(saved);
      saved.dispose();
    }
  }

  /** Number of batches allowed by a limit flag for `stage`. */
  limitFor(stage: "train" | "val" | "test" | "predict", length: number): number {
    const limit = {
      train: this.options.limitTrainBatches,
      val: this.options.limitValBatches,
      test: this.options.limitTestBatches,
      predict: this.options.limitPredictBatches,
    }[stage];
    return limitBatches(stage, length, limit);
  }

  /** Replaces callbacks of the same classes with the module's configureCallbacks() result. */
  attachModelCallbacks(fromModel: Callback[]): void {
    this.callbacks = mergeModelCallbacks(this.callbacks, fromModel);
  }

  /** For setup/teardown: the stage name Lightning passes. */
  stageName(): Stage {
    return this.state.fn ?? "fit";
  }
}

/** How often the loops let the event loop run (signals, finalizers) between batches. */
const YIELD_INTERVAL_MS = 20;

/** Lightning also accepts the datamodule itself as the second argument (`trainer.fit(model, dm)`). */
function asInputs(given: StageInputs | LightningDataModule): StageInputs {
  return given instanceof LightningDataModule ? { datamodule: given } : given;
}
