/**
 * Hydra's `instantiate` and the `_target_` registry it resolves through. The registry starts empty: the layers
 * that own classes register them (src/targets.ts for the framework, src/utils/targets.ts for the template).
 */
export { describeInstantiated, isPartialTarget, type PartialTarget } from "./call.js";
export { checkOptions, OptionsError, OptionValueError } from "./check-options.js";
export { InstantiationError } from "./errors.js";
export {
  type ConvertMode,
  type InstantiateOverrides,
  instantiate,
  instantiateSync,
  resolveAnyTarget as resolveTarget,
} from "./instantiate.js";
export { isModuleTarget, parseModuleTarget } from "./module-targets.js";
export {
  type CallConvention,
  listAliases,
  listTargets,
  type RegisterOptions,
  type ResolvedTarget,
  registerAlias,
  registerLazyTarget,
  registerTarget,
  resolveTargetSync,
  type TargetInfo,
  type TargetKind,
  type TargetValue,
  UnknownTargetError,
} from "./registry.js";
export { closestMatches, levenshtein } from "./suggest.js";
