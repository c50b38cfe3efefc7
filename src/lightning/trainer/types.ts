// Types shared by the LightningModule, the Trainer and its loops: optimizers, schedulers, logged values.
import type { Tensor } from "../../torch/tensor.js";

/** One optimizer param group as the trainer reads it (lr for logging/schedulers, params for clipping). */
export interface ParamGroupLike {
  lr: number;
  params?: readonly Tensor[];
}

/** What the trainer needs from an optimizer (Kiln's torch.optim classes satisfy it). */
export interface OptimizerLike {
  readonly paramGroups: readonly ParamGroupLike[];
  step(closure?: () => unknown): unknown;
  zeroGrad(opts?: { setToNone?: boolean }): void;
  stateDict(): unknown;
  loadStateDict(state: never): void;
}

/** What the trainer needs from an LR scheduler (step-driven or ReduceLROnPlateau). */
export interface SchedulerLike {
  /** One scheduler step (ReduceLROnPlateau takes the monitored metric). */
  step(...args: never[]): void;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: never): void;
}

/** Lightning's lr_scheduler config dict (camelCase keys; the snake_case ones are accepted too). */
export interface LRSchedulerConfig {
  scheduler: SchedulerLike;
  /** Metric for ReduceLROnPlateau-style schedulers (a key of trainer.callbackMetrics). */
  monitor?: string;
  /** When to step: after each epoch (default) or each optimizer step. */
  interval?: "epoch" | "step";
  /** Step every `frequency` intervals (default 1). */
  frequency?: number;
  /** Name for LearningRateMonitor. */
  name?: string;
  /** Raise when `monitor` is missing (default true). */
  strict?: boolean;
}

/** `{optimizer, lrScheduler}` as configureOptimizers may return it. */
export interface OptimizerLRConfig {
  optimizer: OptimizerLike;
  lrScheduler?: SchedulerLike | LRSchedulerConfig;
  lr_scheduler?: SchedulerLike | LRSchedulerConfig;
  monitor?: string;
}

/** Everything configureOptimizers may return (Lightning's accepted shapes). */
export type OptimizersConfig =
  | OptimizerLike
  | OptimizerLRConfig
  | readonly OptimizerLike[]
  | readonly OptimizerLRConfig[]
  | readonly [readonly OptimizerLike[], readonly (SchedulerLike | LRSchedulerConfig)[]]
  | null
  | undefined;

/** A metric object (torchmetrics-like): logged as is, computed at epoch end, then reset. */
export interface MetricLike {
  compute(): number | Tensor | { item(): number | boolean };
  reset(): void;
}

/** A value for LightningModule.log: a number, a one-element tensor, or a metric object. */
export type LogValue = number | Tensor | MetricLike;

/** How an epoch-level value is reduced over the steps of an epoch. */
export type ReduceFx = "mean" | "sum" | "max" | "min";

/** Options of LightningModule.log (Lightning's names in camelCase). */
export interface LogOptions {
  /** Log at this step (default depends on the hook: true in trainingStep). */
  onStep?: boolean;
  /** Accumulate and log the epoch aggregate (default: true in validation/test steps and epoch-end hooks). */
  onEpoch?: boolean;
  /** Show in the progress bar (trainer.progressBarMetrics). */
  progBar?: boolean;
  /** Send to the experiment loggers (default true). */
  logger?: boolean;
  /** Epoch reduction (default "mean", weighted by batch size). */
  reduceFx?: ReduceFx;
  /** Weight of this value in the epoch mean (default: the size of the batch's first tensor's dim 0). */
  batchSize?: number;
  /** Accepted for Lightning compatibility; a single process has nothing to sync. */
  syncDist?: boolean;
  /** Accepted for Lightning compatibility. */
  rankZeroOnly?: boolean;
  /** Append `/dataloader_idx_N` with several eval dataloaders (default true). */
  addDataloaderIdx?: boolean;
}

/** A scalar value as it reaches loggers and trainer.*Metrics. */
export type MetricsDict = Record<string, number>;
