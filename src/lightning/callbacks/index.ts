/** Lightning's built-in callbacks (one module each) and the Callback base class. */
export { BatchSizeFinder, type BatchSizeFinderOptions } from "./batch-size-finder.js";
export { Callback, type Checkpoint, type HookResult, type Stage } from "./callback.js";
export { CheckpointCallback } from "./checkpoint-callback.js";
export { DeviceStatsMonitor, type DeviceStatsMonitorOptions } from "./device-stats-monitor.js";
export { EarlyStopping, type EarlyStoppingOptions, EarlyStoppingReason } from "./early-stopping.js";
export {
  BackboneFinetuning,
  type BackboneFinetuningOptions,
  BaseFinetuning,
  type Modules,
} from "./finetuning.js";
export {
  GradientAccumulationScheduler,
  type GradientAccumulationSchedulerOptions,
} from "./gradient-accumulation-scheduler.js";
export { LearningRateFinder, type LearningRateFinderOptions } from "./lr-finder.js";
export { LearningRateMonitor, type LearningRateMonitorOptions } from "./lr-monitor.js";
export { setInfoSink } from "./messages.js";
export { ModelCheckpoint, type ModelCheckpointOptions } from "./model-checkpoint.js";
export {
  formatRichSummary,
  formatSummaryTable,
  ModelSummary,
  type ModelSummaryOptions,
  RichModelSummary,
} from "./model-summary.js";
export { MisconfigurationError } from "./options.js";
export { OptunaPruningCallback, type OptunaPruningOptions, type PruningTrial } from "./optuna-pruning.js";
export { BasePredictionWriter, type WriteInterval } from "./prediction-writer.js";
export {
  type BarStream,
  ProgressBarBase,
  type ProgressBarOptions,
  RichProgressBar,
  TQDMProgressBar,
} from "./progress-bar.js";
export {
  StochasticWeightAveraging,
  type StochasticWeightAveragingOptions,
  updateBatchNorm,
} from "./stochastic-weight-averaging.js";
export { type SummaryData, summarizeModel } from "./summary-data.js";
export { Timer, type TimerOptions } from "./timer.js";
