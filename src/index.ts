// Kiln's one public surface (DESIGN.md §2). Importing it does not load libtorch: the addon loads on the first
// tensor operation, so config-only work (compose, --help, --cfg) stays fast.
import { setupProjectRoot } from "./utils/project-root.js";
import { registerKilnTargets } from "./utils/targets.js";

// As the Python template does at import (rootutils): configs read ${oc.env:PROJECT_ROOT}, and `instantiate` must
// find the template's classes (and their Python names) from a script too, not only from the CLI.
setupProjectRoot();
registerKilnTargets();

/** Hydra-style configuration: composition, overrides, OmegaConf node tree, instantiate, run API. */
export * as config from "./config/index.js";
export {
  compose,
  type DictConfig,
  HydraCallback,
  instantiate,
  instantiateSync,
  registerAlias,
  registerLazyTarget,
  registerResolver,
  registerTarget,
  runHydraApp,
  toContainer,
  toYaml,
} from "./config/index.js";
export { MNISTDataModule } from "./data/mnist-datamodule.js";
export { evalMain, evaluate } from "./eval.js";
/** Lightning: Trainer, LightningModule, LightningDataModule, callbacks, loggers, metrics. */
export * from "./lightning/index.js";
/** Experiment loggers, also as a namespace. */
export * as loggers from "./lightning/loggers/index.js";
export { SimpleDenseNet } from "./models/components/simple-dense-net.js";
export { MNISTLitModule } from "./models/mnist-module.js";
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
