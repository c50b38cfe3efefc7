/**
 * Kiln's OmegaConf 2.3 equivalent: the config node tree with interpolation, resolvers, merge, struct and
 * read-only modes, `???` mandatory values, YAML 1.1 loading/dumping and per-value provenance.
 */
export {
  deleteKey,
  getNode,
  provenanceOf,
  type SelectOptions,
  select,
  setReadonly,
  setStruct,
  type UpdateOptions,
  update,
} from "./access.js";
export {
  ConfigError,
  type ConfigErrorOptions,
  ConfigKeyError,
  ConfigTypeError,
  formatProvenance,
  GrammarParseError,
  InterpolationKeyError,
  InterpolationResolutionError,
  InterpolationToMissingValueError,
  MissingMandatoryValue,
  type Provenance,
  ReadonlyConfigError,
  UnsupportedInterpolationType,
  ValidationError,
} from "./errors.js";
export { splitKey } from "./key-path.js";
export { merge, mergeConfigs } from "./merge.js";
export {
  type ContainerNode,
  copyNode,
  DictNode,
  type FlagName,
  isContainer,
  isInterpolationString,
  isNode,
  ListNode,
  MISSING,
  type Node,
  type Scalar,
  ValueNode,
} from "./nodes.js";
export { fromPlain, type ToContainerOptions, toContainer } from "./plain.js";
export { type ResolvedValue, resolveNode } from "./resolve.js";
export { resolve } from "./resolve-in-place.js";
export {
  clearResolver,
  clearResolverCache,
  hasResolver,
  type RegisterResolverOptions,
  type Resolver,
  type ResolverContext,
  registerResolver,
  resolverCacheSnapshot,
  restoreResolverCache,
} from "./resolvers.js";
export { strftime } from "./strftime.js";
export { dumpYaml, type ToYamlOptions, toYaml } from "./to-yaml.js";
export { type DictConfig, type ListConfig, nodeOfView, toView } from "./view.js";
export { loadYamlConfigFile, type ParsedYamlConfig, parseYamlConfig } from "./yaml-load.js";
