/**
 * The config layer's public surface: Hydra 1.3-style composition and command line (compose/, run/), the
 * OmegaConf-style node tree (omegaconf/), the override grammar (overrides/) and instantiate. Nothing here
 * loads libtorch: `--help`, `--cfg` and `--info` stay fast.
 */

export { type ComposedNodes, type ComposeOptions, compose, composeNodes } from "./compose/compose.js";
export { type LoadedConfiguration, loadConfiguration, type RunMode } from "./compose/config-loader.js";
export { createDefaultsList, type DefaultsList } from "./compose/defaults-list.js";
export type { ResultDefault } from "./compose/defaults-tree.js";
export { ConfigCompositionError, MissingConfigError } from "./compose/errors.js";
export { HYDRA_VERSION, registerHydraConfig } from "./compose/hydra-conf.js";
export { getHydraConfig, registerHydraResolver } from "./compose/hydra-context.js";
export { ConfigRepository } from "./compose/repository.js";
export { createSearchPath } from "./compose/search-path.js";
export * from "./instantiate/index.js";
export * from "./omegaconf/index.js";
export * from "./overrides/index.js";

export { type AppOptions, HydraApp, type MultirunResult } from "./run/app.js";
export { type HydraArgs, parseHydraArgs } from "./run/argv.js";
export { BasicLauncher, BasicSweeper } from "./run/basic-sweeper.js";
export { HydraCallback, HydraCallbacks, LogJobReturnCallback } from "./run/callbacks.js";
export { completeLine, completionArgs } from "./run/completion.js";
export { type CompletionProgram, shellCompletion } from "./run/completion-scripts.js";
export { type HydraAppOptions, type HydraAppResult, runHydraApp } from "./run/hydra-app.js";
export { showInfo } from "./run/info.js";
export { SweepInterrupted } from "./run/interrupt.js";
export { currentJobTrial, withJobTrial } from "./run/job-trial.js";
export { JoblibLauncher } from "./run/joblib/launcher.js";
export { configureLogging, getLogger, type Logger } from "./run/logger.js";
export { OptunaSweeper } from "./run/optuna/sweeper.js";
export {
  type HydraContext,
  type JobTrial,
  type Launcher,
  registerLauncher,
  registerSweeper,
  type Sweeper,
  type TaskReference,
} from "./run/plugins.js";
export { type JobReturn, runJob, type TaskFunction } from "./run/run-job.js";
export { appHelp, showCfg } from "./run/show.js";
