/**
 * LRScheduler: PyTorch's scheduler base class (torch/optim/lr_scheduler.py, 2.13). Subclasses compute the
 * next learning rates from the optimizer's current ones (the "chainable", recursive form PyTorch uses on
 * every `step()`), which gives slightly different floats than closed forms; Kiln follows the same path so
 * that its lr sequences equal PyTorch's.
 */
import { checkOptimizer } from "./options.js";
import { StateReader } from "./state.js";
import { groupRecord, type SchedulableOptimizer, type SchedulerStateDict } from "./types.js";

const EPOCH_DEPRECATION_WARNING =
  "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. " +
  "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from " +
  "None, the closed form is used instead of the new chainable form, where available.";

/** Base class of the epoch/step-driven schedulers (all but ReduceLROnPlateau). */
export abstract class LRScheduler {
  /** The optimizer whose param groups' `lr` this scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** Each group's `initial_lr` when the scheduler started (PyTorch's `base_lrs`). */
  baseLrs: number[] = [];
  /** Index of the last step taken; -1 before the construction-time step (PyTorch's `last_epoch`). */
  lastEpoch = -1;
  /** Number of `step()` calls, including the one made at construction (PyTorch's `_step_count`). */
  protected stepCount = 0;
  /** True only during the construction-time step (PyTorch's `_is_initial`). */
  protected isInitial = false;
  /** True while `getLr` runs inside `step()` (PyTorch's `_get_lr_called_within_step`). */
  protected getLrCalledWithinStep = false;
  /** The learning rates set by the last step (PyTorch's `_last_lr`). */
  protected lastLr: number[] = [];
  /** State keys this class does not know, kept and saved again as Python's `__dict__.update` would. */
  private extraState: SchedulerStateDict = {};

  /** Subclasses set their own fields, then call `initialize(last_epoch)`, which takes the first step. */
  protected constructor(
    optimizer: SchedulableOptimizer,
    protected readonly className: string,
  ) {
    checkOptimizer(className, optimizer);
    this.optimizer = optimizer;
  }

  /** PyTorch's `LRScheduler.__init__`: set `initial_lr` in each group, `base_lrs`, then the first step. */
  protected initialize(lastEpoch: number): void {
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new RangeError(`${this.className}: last_epoch must be an integer >= -1, got ${lastEpoch}`);
    }
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === -1) {
      // setdefault: a group that already has initial_lr (another scheduler, a resumed run) keeps it.
      for (const group of groups) if (group.initial_lr === undefined) group.initial_lr = group.lr;
    } else {
      groups.forEach((group, i) => {
        if (group.initial_lr === undefined) {
          throw new Error(
            `${this.className}: param 'initial_lr' is not specified in param_groups[${i}] when resuming ` +
              `scheduler with last_epoch >= 0. Load the optimizer state first, or use last_epoch=-1 for a fresh run.`,
          );
        }
      });
    }
    this.baseLrs = groups.map((group) => group.initial_lr as number);
    this.lastEpoch = lastEpoch;
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } finally {
      this.isInitial = false;
    }
  }

  /** The next learning rate of each param group, from the current state (PyTorch's chainable `get_lr`). */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` from `baseLrs` (used by the deprecated `step(epoch)`), if any. */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /** This class's own state entries, snake_case keys in PyTorch's order. */
  protected abstract hyperState(): SchedulerStateDict;

  /** Load this class's own entries (absent keys keep their value). */
  protected abstract loadHyperState(reader: StateReader): void;

  /** Advance one step and set each group's `lr`. Passing `epoch` is deprecated, as in PyTorch. */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    this.getLrCalledWithinStep = true;
    try {
      if (epoch === undefined) {
        this.lastEpoch += 1;
        values = this.getLr();
      } else {
        process.emitWarning(EPOCH_DEPRECATION_WARNING, "UserWarning");
        this.lastEpoch = epoch;
        values = this.closedFormLr() ?? this.getLr();
      }
    } finally {
      this.getLrCalledWithinStep = false;
    }
    const groups = this.optimizer.paramGroups;
    if (values.length !== groups.length) {
      throw new Error(
        `${this.className}: the optimizer has ${groups.length} param groups but the scheduler computed ` +
          `${values.length} learning rates; param groups were added or removed after the scheduler was created`,
      );
    }
    groups.forEach((group, i) => {
      group.lr = values[i];
    });
    this.lastLr = groups.map((group) => group.lr);
  }

  /** The learning rates set by the most recent step, one per param group (a copy). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state with PyTorch's keys (`last_epoch`, `base_lrs`, `_step_count`, `_last_lr`, ...). */
  stateDict(): SchedulerStateDict {
    return {
      ...this.hyperState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _is_initial: this.isInitial,
      _get_lr_called_within_step: this.getLrCalledWithinStep,
      _last_lr: [...this.lastLr],
      ...structuredClone(this.extraState),
    };
  }

  /** Restore a state from `stateDict()` (Kiln's or PyTorch's); on a bad entry nothing changes. */
  loadStateDict(state: SchedulerStateDict): void {
    const backup = this.stateDict();
    try {
      this.applyState(new StateReader(this.className, state));
    } catch (error) {
      this.applyState(new StateReader(this.className, backup));
      throw error;
    }
  }

  private applyState(reader: StateReader): void {
    this.loadHyperState(reader);
    this.baseLrs = reader.numberList("base_lrs") ?? this.baseLrs;
    this.lastEpoch = reader.number("last_epoch") ?? this.lastEpoch;
    this.stepCount = reader.number("_step_count") ?? this.stepCount;
    this.isInitial = reader.bool("_is_initial") ?? this.isInitial;
    this.getLrCalledWithinStep = reader.bool("_get_lr_called_within_step") ?? this.getLrCalledWithinStep;
    this.lastLr = reader.numberList("_last_lr") ?? this.lastLr;
    this.extraState = { ...this.extraState, ...structuredClone(reader.unreadEntries()) };
  }

  /** The current `lr` of every param group, a copy (PyTorch's `_param_groups_val_list(optimizer, "lr")`). */
  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** `baseLrs`, checked to still have one entry per param group (PyTorch's `zip(..., strict=True)`). */
  protected baseLrsPerGroup(): number[] {
    const groups = this.optimizer.paramGroups.length;
    if (this.baseLrs.length !== groups) {
      throw new Error(
        `${this.className}: the optimizer has ${groups} param groups but the scheduler has ` +
          `${this.baseLrs.length} base_lrs; param groups were added or removed after the scheduler was created`,
      );
    }
    return this.baseLrs;
  }

  /** A numeric key of param group `index` that this scheduler wrote (`max_lr`, `base_momentum`, ...). */
  protected groupNumber(index: number, key: string): number {
    const value = groupRecord(this.optimizer.paramGroups[index])[key];
    if (typeof value !== "number") {
      throw new Error(
        `${this.className}: param_groups[${index}] has no numeric '${key}' (got ${String(value)}); ` +
          `was the group added after the scheduler was created, or the optimizer state loaded without it?`,
      );
    }
    return value;
  }
}
