/**
 * Hydra's `instantiate` for Kiln and the `_target_` registry it resolves through. Importing this module
 * declares the lightning-hydra-template's Python aliases (TEMPLATE_ALIASES); it loads no torch code.
 */
import { registerTemplateAliases } from "./aliases.js";

export { KILN_TARGETS, registerTemplateAliases, TEMPLATE_ALIASES } from "./aliases.js";
export { describeInstantiated, isPartialTarget, type PartialTarget } from "./call.js";
export { checkOptions, OptionsError } from "./check-options.js";
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

registerTemplateAliases();
