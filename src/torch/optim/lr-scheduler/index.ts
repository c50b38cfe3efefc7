/** torch.optim.lr_scheduler for Kiln: PyTorch's LR schedulers as small TypeScript state machines. */
import { CosineAnnealingLR } from "./cosine-annealing-lr.js";
import { ExponentialLR } from "./exponential-lr.js";
import { LinearLR } from "./linear-lr.js";
import type { LRScheduler } from "./lr-scheduler.js";
import { OneCycleLR } from "./one-cycle-lr.js";
import { ReduceLROnPlateau } from "./reduce-lr-on-plateau.js";
import { MultiStepLR, StepLR } from "./step-lr.js";

export type { CosineAnnealingLROptions } from "./cosine-annealing-lr.js";
export type { ExponentialLROptions } from "./exponential-lr.js";
export type { LinearLROptions } from "./linear-lr.js";
export { LRScheduler } from "./lr-scheduler.js";
export type { OneCycleLROptions, SchedulePhase } from "./one-cycle-lr.js";
export type { ReduceLROnPlateauOptions } from "./reduce-lr-on-plateau.js";
export type { MultiStepLROptions, StepLROptions } from "./step-lr.js";
export { SWALR, type SWALROptions } from "./swa-lr.js";
export type {
  MetricValue,
  SchedulableOptimizer,
  SchedulableParamGroup,
  SchedulerStateDict,
} from "./types.js";
export { CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, OneCycleLR, ReduceLROnPlateau, StepLR };

/** Any Kiln LR scheduler: the step-driven ones, or ReduceLROnPlateau (driven by a metric). */
export type AnyLRScheduler = LRScheduler | ReduceLROnPlateau;

/** The scheduler classes by their PyTorch name (`torch.optim.lr_scheduler.<name>` in YAML `_target_`s). */
export const lrSchedulerClasses = {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  OneCycleLR,
  ReduceLROnPlateau,
} as const;
