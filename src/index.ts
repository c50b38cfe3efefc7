// Kiln's one public surface (DESIGN.md §2). Importing it does not load libtorch: the addon loads on the first
// tensor operation, so config-only work (compose, --help, --cfg) stays fast.

/** Hydra-style configuration: composition, overrides, OmegaConf node tree, instantiate, run API. */
export * as config from "./config/index.js";
export {
  compose,
  type DictConfig,
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
/** Lightning-compatible experiment loggers. */
export * as loggers from "./lightning/loggers/index.js";
/** Tensors, autograd, nn, optim, data and serialization over libtorch. */
export * as torch from "./torch/index.js";
