/** Lightning's built-in callbacks (one module each) and the Callback base class. */
export { Callback, type Checkpoint, type HookResult, type Stage } from "./callback.js";
export { EarlyStopping, type EarlyStoppingOptions, EarlyStoppingReason } from "./early-stopping.js";
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
export {
  type BarStream,
  ProgressBarBase,
  type ProgressBarOptions,
  RichProgressBar,
  TQDMProgressBar,
} from "./progress-bar.js";
export { type SummaryData, summarizeModel } from "./summary-data.js";
export { Timer, type TimerOptions } from "./timer.js";
