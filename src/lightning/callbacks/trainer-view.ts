/**
 * The Trainer members the built-in callbacks read, spelled as Lightning's attributes in camelCase. Callbacks
 * type their `trainer` argument with these views so that (a) the contract with the Trainer is written down in
 * one place and (b) tests can drive a callback with a plain object.
 */

/** A logged value as it sits in trainer.callbackMetrics: a number, or a one-element tensor. */
export type MetricValue = number | { item(): number | boolean };

/** trainer.callbackMetrics: a Map or a plain record. */
export type MetricsView = ReadonlyMap<string, MetricValue> | Readonly<Record<string, MetricValue>>;

/** What a callback reads from an experiment logger. */
export interface LoggerView {
  readonly saveDir?: string | undefined;
  readonly name?: string | undefined;
  readonly version?: number | string | undefined;
  logMetrics(metrics: Record<string, number>, step?: number): void;
  afterSaveCheckpoint?(checkpointCallback: unknown): void | Promise<void>;
}

/** Lightning's trainer.state: the entry point running (`fn`) and the loop running now (`stage`). */
export interface TrainerStateView {
  readonly fn: string | null;
  readonly stage?: string | null;
}

/** The members every built-in callback may read. */
export interface TrainerView {
  readonly currentEpoch: number;
  readonly globalStep: number;
  readonly callbackMetrics: MetricsView;
  readonly loggers: readonly LoggerView[];
  readonly state: TrainerStateView;
  readonly sanityChecking: boolean;
  readonly fastDevRun: boolean | number;
  shouldStop: boolean;
}

/** What ModelCheckpoint reads and calls. */
export interface CheckpointTrainerView extends TrainerView {
  readonly defaultRootDir: string;
  readonly isGlobalZero?: boolean;
  readonly checkValEveryNEpoch: number | null;
  readonly valCheckInterval: number;
  readonly numValBatches: number | readonly number[];
  readonly numTrainingBatches: number;
  /** The checkpoint the current fit resumed from (never deleted by top-k bookkeeping). */
  readonly ckptPath?: string | null;
  saveCheckpoint(filepath: string, weightsOnly?: boolean): void | Promise<void>;
}

/** An optimizer param group as LearningRateMonitor reads it. */
export interface ParamGroupView {
  readonly lr: number;
  readonly name?: string;
  readonly momentum?: number;
  readonly betas?: readonly number[];
  readonly weight_decay?: number;
}

/** An optimizer as LearningRateMonitor reads it (its class name gives the `lr-Adam` key). */
export interface OptimizerView {
  readonly paramGroups: readonly ParamGroupView[];
  readonly defaults?: object;
}

/** One lr scheduler config as LearningRateMonitor reads it. */
export interface SchedulerConfigView {
  /** The scheduler; LearningRateMonitor reads its `optimizer` (every torch.optim scheduler has one). */
  readonly scheduler: object;
  readonly interval?: "epoch" | "step";
  readonly name?: string | null;
}

/** What LearningRateMonitor reads. */
export interface LRMonitorTrainerView extends TrainerView {
  readonly optimizers: readonly unknown[];
  readonly lrSchedulerConfigs: readonly SchedulerConfigView[];
  /** Lightning's `fit_loop.epoch_loop._batches_that_stepped`: the step the loggers are given. */
  readonly batchesThatStepped?: number;
  /** Lightning's `_logger_connector.should_update_logs` (every log_every_n_steps); true when absent. */
  readonly shouldUpdateLogs?: boolean;
}

/** What the progress bars read. */
export interface ProgressTrainerView extends TrainerView {
  readonly maxEpochs: number | null;
  readonly maxSteps: number;
  readonly numTrainingBatches: number;
  readonly numValBatches: number | readonly number[];
  readonly numSanityValBatches?: number | readonly number[];
  readonly numTestBatches?: number | readonly number[];
  readonly numPredictBatches?: number | readonly number[];
  readonly progressBarMetrics: MetricsView;
  readonly isGlobalZero?: boolean;
}

/** One value of a metrics view as a number (tensors through item()). */
export function metricNumber(value: MetricValue): number {
  return typeof value === "number" ? value : Number(value.item());
}

/** A metrics view as [name, number] pairs, in insertion order. */
export function metricEntries(metrics: MetricsView): [string, number][] {
  const entries: [string, MetricValue][] =
    metrics instanceof Map ? [...metrics.entries()] : Object.entries(metrics as Record<string, MetricValue>);
  return entries.map(([k, v]) => [k, metricNumber(v)]);
}

/** One metric of a metrics view, or undefined when it was not logged. */
export function metricGet(metrics: MetricsView, name: string): number | undefined {
  const value =
    metrics instanceof Map ? metrics.get(name) : (metrics as Record<string, MetricValue | undefined>)[name];
  if (value === undefined || value === null) return undefined;
  return metricNumber(value);
}

/** Whether the trainer runs `fit` now (Lightning's `trainer.state.fn == TrainerFn.FITTING`). */
export function isFitting(trainer: TrainerView): boolean {
  return trainer.state.fn === "fit" || trainer.state.fn === "fitting";
}

/** Sum of a per-dataloader batch count (or the count itself). */
export function totalBatches(batches: number | readonly number[] | undefined): number {
  if (batches === undefined) return 0;
  return typeof batches === "number" ? batches : batches.reduce((a, b) => a + b, 0);
}
