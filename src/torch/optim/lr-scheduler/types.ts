/**
 * The part of an optimizer that LR schedulers read and write. Schedulers are pure state machines over the
 * optimizer's param groups (as in PyTorch), so they depend on this shape only, not on the optimizer classes.
 */

/**
 * One optimizer param group as schedulers see it. PyTorch's schedulers write extra keys into the group
 * (`initial_lr`; OneCycleLR also `max_lr`, `min_lr`, `max_momentum`, `base_momentum`) and OneCycleLR cycles
 * `momentum` (SGD, RMSprop) or `betas[0]` (Adam, AdamW). No index signature on purpose: an optimizer's own
 * group interface (`{ params; lr; momentum; ... }`) is then assignable without casts.
 */
export interface SchedulableParamGroup {
  lr: number;
  initial_lr?: number;
  momentum?: number;
  betas?: readonly number[];
}

/** An optimizer that LR schedulers can drive: its param groups, and the defaults OneCycleLR checks. */
export interface SchedulableOptimizer {
  readonly paramGroups: readonly SchedulableParamGroup[];
  /** Constructor defaults; OneCycleLR's `cycle_momentum` needs `momentum` or `betas` among them. */
  defaults?: object;
}

/** A scheduler's state as PyTorch's `state_dict()` names it (snake_case keys such as `last_epoch`). */
export type SchedulerStateDict = Record<string, unknown>;

/** A metric fed to ReduceLROnPlateau: a number, or a 0-d tensor-like value with `item()`. */
export type MetricValue = number | { item(): number };

/** Read/write access to any key of a param group (the scheduler-specific keys PyTorch adds). */
export type GroupRecord = Record<string, unknown>;

/** View a param group as a plain record, for the keys that only some schedulers add. */
export function groupRecord(group: SchedulableParamGroup): GroupRecord {
  return group as unknown as GroupRecord;
}
