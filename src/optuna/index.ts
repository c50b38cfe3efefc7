/**
 * Kiln's Optuna: Optuna 5.0's study API in camelCase (createStudy, ask/tell, optimize, suggestFloat/Int/
 * Categorical, report/shouldPrune), its TPE, random and grid samplers, its median, successive-halving and
 * Hyperband pruners, and its journal storage, readable and writable by Python Optuna. Plain TypeScript: it
 * never loads libtorch, so the config layer's sweeper uses it too.
 */

export { type CreateStudyOptions, createStudy, type LoadStudyOptions, loadStudy } from "./create-study.js";
export {
  type CategoricalChoice,
  CategoricalDistribution,
  type Distribution,
  distributionRepr,
  distributionToJson,
  FloatDistribution,
  IntDistribution,
  jsonToDistribution,
} from "./distributions.js";
export { DuplicatedStudyError, TrialPruned } from "./exceptions.js";
export { FrozenTrial, type ParamValue, TrialState } from "./frozen-trial.js";
export { getParamImportances, pedAnovaImportances } from "./importance/ped-anova.js";
export { getVerbosity, setLogHandler, setVerbosity } from "./logging.js";
export { HyperbandPruner } from "./pruners/hyperband.js";
export { MedianPruner, PercentilePruner } from "./pruners/percentile.js";
export { NopPruner, type Pruner } from "./pruners/pruner.js";
export { SuccessiveHalvingPruner } from "./pruners/successive-halving.js";
export { GridSampler } from "./samplers/grid.js";
export { RandomSampler } from "./samplers/random.js";
export type { Sampler } from "./samplers/sampler.js";
export { TPESampler, type TPESamplerOptions } from "./samplers/tpe/sampler.js";
export { getStorage, type StorageSpec } from "./storages/get-storage.js";
export { JournalFileBackend } from "./storages/journal-file.js";
export { JournalStorage } from "./storages/journal-storage.js";
export { type Storage, StudyDirection } from "./storages/storage.js";
export { type Objective, type OptimizeOptions, Study } from "./study.js";
export { Trial } from "./trial.js";
export { studyReportHtml } from "./visualization/report.js";
