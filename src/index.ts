// Kiln's public surface, the framework (docs/ARCHITECTURE.md, "Layers"); the MNIST example of the template is
// `kiln/template`. Importing it changes nothing (no environment, no registration) and does not load libtorch:
// the addon loads on the first tensor operation, so config-only work (compose, --help, --cfg) stays fast.

/** Hydra-style configuration: composition, overrides, OmegaConf node tree, instantiate, run API. */
export * as config from "./config/index.js";
export {
  compose,
  type DictConfig,
  HydraCallback,
  registerAlias,
  registerLazyTarget,
  registerResolver,
  registerTarget,
  runHydraApp,
  toContainer,
  toYaml,
} from "./config/index.js";
export { evalMain, evaluate } from "./eval.js";
/** Lightning: Trainer, LightningModule, LightningDataModule, callbacks, loggers, metrics. */
export * from "./lightning/index.js";
/** Experiment loggers, also as a namespace. */
export * as loggers from "./lightning/loggers/index.js";
/** Hydra's instantiate, resolving Kiln's classes and their Lightning/PyTorch names (registered on first use). */
export {
  FRAMEWORK_ALIASES,
  FRAMEWORK_TARGETS,
  instantiate,
  instantiateSync,
  registerFrameworkTargets,
} from "./lightning/targets.js";
/** Optuna 5.0's study API in camelCase (samplers, pruners, journal storage, importances), also as `optuna`. */
export * as optuna from "./optuna/index.js";
export {
  createStudy,
  GridSampler,
  getParamImportances,
  HyperbandPruner,
  loadStudy,
  MedianPruner,
  NopPruner,
  PercentilePruner,
  RandomSampler,
  Study,
  SuccessiveHalvingPruner,
  TPESampler,
  Trial,
  TrialPruned,
  TrialState,
} from "./optuna/index.js";
/** Tensors, autograd, nn, optim, data and serialization over libtorch. */
export * as torch from "./torch/index.js";
export { train, trainMain } from "./train.js";
/** The template's utilities (extras, instantiate_callbacks/loggers, get_metric_value, ...). */
export * as utils from "./utils/index.js";
