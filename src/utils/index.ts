/** The template's utilities (the Python template's `src/utils`). */
export { cfgGet, toPlain, truthy } from "./config-access.js";
export { PRINT_ORDER, printConfigTree, renderConfigTree } from "./config-tree.js";
export { type ExtrasOptions, extras, ignoreWarnings } from "./extras.js";
export { instantiateCallbacks, instantiateLoggers } from "./instantiators.js";
export { collectHyperparameters, logHyperparameters, type ObjectDict } from "./log-hyperparameters.js";
export { getMetricValue, type MetricDictValue } from "./metric-value.js";
export { findProjectRoot, parseDotenv, ROOT_MARKERS, setupProjectRoot } from "./project-root.js";
export { seedEverything } from "./seed.js";
export { enforceTags, type PromptIO, promptTags, tagsRepr } from "./tags.js";
export { registerKilnTargets, TARGET_TABLE } from "./targets.js";
export {
  closeLoggers,
  type TaskBody,
  type TaskObjects,
  type TaskResult,
  taskWrapper,
} from "./task-wrapper.js";
