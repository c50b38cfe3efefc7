/** Kiln's Lightning: Trainer, LightningModule, LightningDataModule, callbacks, loggers (and their types). */

export { clipGradNorm_, clipGradValue_ } from "../torch/nn/clip-grad.js";
export * from "./callbacks/index.js";
export { LightningDataModule } from "./datamodule.js";
export * from "./loggers/index.js";
export * from "./metrics/index.js";
export { LightningModule, moveToDevice, type TrainingStepOutput } from "./module.js";
export type { LoadFromCheckpointOptions, MapLocation } from "./saving.js";
export { CheckpointError, LIGHTNING_VERSION } from "./trainer/connectors/checkpoint-connector.js";
export { InterruptSignal, TerminateSignal } from "./trainer/interrupt.js";
export type { ResolvedTrainerOptions, TrainerOptions } from "./trainer/options.js";
export { type Precision, PrecisionPlugin, usePrecisionPlugin } from "./trainer/precision.js";
export { SimpleProfiler } from "./trainer/profiler.js";
export { type StageInputs, Trainer, type TrainerState } from "./trainer/trainer.js";
export type {
  LogOptions,
  LogValue,
  LRSchedulerConfig,
  MetricLike,
  MetricsDict,
  OptimizerLike,
  OptimizersConfig,
  ReduceFx,
  SchedulerLike,
} from "./trainer/types.js";
export * from "./tuner/index.js";
