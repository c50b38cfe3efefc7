/** The MLflow logger: local file store and tracking server, plus the store reader and `kiln runs` helpers. */
import { MLFlowLogger } from "./logger.js";

export { MlflowError } from "./entities.js";
export { FileStore } from "./file-store.js";
export { type ExperimentSummary, formatRunsTable, listRuns, type RunSummary } from "./list-runs.js";
export { MLFlowLogger, type MLFlowLoggerOptions } from "./logger.js";
export type { SyncReport } from "./rest-sender.js";
export { type RunRecord, readExperiments, readRun } from "./store-reader.js";

/** Registry entries for `_target_`: Kiln's name and the Python names Lightning configs use. */
export const MLFLOW_LOGGER_TARGETS = {
  "kiln.loggers.MLFlowLogger": MLFlowLogger,
  "lightning.pytorch.loggers.mlflow.MLFlowLogger": MLFlowLogger,
  "lightning.pytorch.loggers.MLFlowLogger": MLFlowLogger,
  "pytorch_lightning.loggers.MLFlowLogger": MLFlowLogger,
} as const;
