/** Experiment loggers: the Logger base, CSVLogger, TensorBoardLogger (and its event file reader), MLFlowLogger. */
export { CSVLogger, type CSVLoggerOptions } from "./csv.js";
export { hparamsYaml, saveHparamsToYaml } from "./hparams-yaml.js";
export { type CheckpointCallbackView, type FinalizeStatus, type Hyperparameters, Logger } from "./logger.js";
export {
  formatRunsTable,
  listRuns,
  MLFLOW_LOGGER_TARGETS,
  MLFlowLogger,
  type MLFlowLoggerOptions,
  MlflowError,
  readRun as readMlflowRun,
  type SyncReport,
} from "./mlflow/index.js";
export { addPrefix, flattenDict, sanitizeParams } from "./params.js";
export { HparamDataType, type HparamValue, SessionStatus } from "./tensorboard/hparams-plugin.js";
export { TensorBoardLogger, type TensorBoardLoggerOptions } from "./tensorboard/logger.js";
export {
  type EventFile,
  listEventFiles,
  type RunContents,
  readEventFile,
  readRun,
  type ScalarPoint,
} from "./tensorboard/reader.js";
export { RecordCorruptError } from "./tensorboard/tfrecord.js";
export { SummaryWriter, type SummaryWriterOptions } from "./tensorboard/writer.js";
