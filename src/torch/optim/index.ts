/** torch.optim for Kiln: PyTorch's optimizers over fused native steps, and the LR schedulers. */
import { Adagrad } from "./adagrad.js";
import { Adam, AdamW } from "./adam.js";
import { RMSprop } from "./rmsprop.js";
import { SGD } from "./sgd.js";

export type { AdagradOptions, AdagradParamGroup } from "./adagrad.js";
export type { AdamOptions, AdamParamGroup, AdamWOptions } from "./adam.js";
export * from "./lr-scheduler/index.js";
export {
  type CreatedState,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
} from "./optimizer.js";
export type { RMSpropOptions, RMSpropParamGroup } from "./rmsprop.js";
export type { SGDOptions, SGDParamGroup } from "./sgd.js";
export type { OptimizerStateDict, PackedParamGroup } from "./state-dict.js";
export { Adagrad, Adam, AdamW, RMSprop, SGD };

/** The optimizer classes by their PyTorch name (`torch.optim.<name>` in YAML `_target_`s). */
export const OPTIMIZER_CLASSES = { SGD, Adam, AdamW, RMSprop, Adagrad } as const;
