/**
 * ReduceLROnPlateau: cut the lr by `factor` when a monitored metric stops improving for `patience` steps.
 * It is driven by metric values, not by a step count, so it does not share LRScheduler's stepping; it keeps
 * PyTorch's state dict keys (`best`, `num_bad_epochs`, `cooldown_counter`, `min_lrs`, ...).
 */
import { checkOptimizer, OptionReader } from "./options.js";
import { StateReader } from "./state.js";
import type { MetricValue, SchedulableOptimizer, SchedulerStateDict } from "./types.js";

/** Options of ReduceLROnPlateau (PyTorch's keyword names). */
export interface ReduceLROnPlateauOptions {
  mode?: "min" | "max";
  factor?: number;
  patience?: number;
  threshold?: number;
  threshold_mode?: "rel" | "abs";
  cooldown?: number;
  min_lr?: number | number[];
  eps?: number;
}

const OPTION_KEYS = [
  "mode",
  "factor",
  "patience",
  "threshold",
  "threshold_mode",
  "cooldown",
  "min_lr",
  "eps",
];
const CLASS = "ReduceLROnPlateau";

/** Reduce each group's lr when the metric has stopped improving (PyTorch's ReduceLROnPlateau). */
export class ReduceLROnPlateau {
  /** The optimizer whose param groups' `lr` this scheduler lowers. */
  readonly optimizer: SchedulableOptimizer;
  factor: number;
  /** The scalar min_lr given, or null when a per-group list was given (PyTorch's `default_min_lr`). */
  defaultMinLr: number | null;
  minLrs: number[];
  patience: number;
  cooldown: number;
  eps: number;
  /** Number of `step(metric)` calls so far (PyTorch's `last_epoch`). */
  lastEpoch = 0;
  mode: "min" | "max" = "min";
  threshold = 1e-4;
  thresholdMode: "rel" | "abs" = "rel";
  /** The worst possible metric for the mode: +inf for min, -inf for max. */
  modeWorse = Number.POSITIVE_INFINITY;
  /** The best metric seen so far. */
  best = Number.POSITIVE_INFINITY;
  cooldownCounter = 0;
  numBadEpochs = 0;
  private lastLr: number[];
  private extraState: SchedulerStateDict = {};

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const o = new OptionReader(CLASS, options, OPTION_KEYS);
    this.factor = o.number("factor", 0.1);
    if (this.factor >= 1.0) throw o.valueError(`Factor should be < 1.0 (factor=${this.factor}).`);
    if (!(this.factor >= 0)) throw o.valueError(`Factor should be >= 0 (factor=${this.factor}).`);
    checkOptimizer(CLASS, optimizer);
    this.optimizer = optimizer;
    const minLr = o.numberOrList("min_lr", 0);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups) throw o.valueError(`expected ${groups} min_lrs, got ${minLr.length}`);
      this.defaultMinLr = null;
      this.minLrs = [...minLr];
    } else {
      this.defaultMinLr = minLr;
      this.minLrs = new Array<number>(groups).fill(minLr);
    }
    this.patience = o.number("patience", 10);
    this.cooldown = o.number("cooldown", 0);
    if (!(this.patience >= 0)) throw o.valueError(`patience must be >= 0, got ${this.patience}`);
    if (!(this.cooldown >= 0)) throw o.valueError(`cooldown must be >= 0, got ${this.cooldown}`);
    this.eps = o.number("eps", 1e-8);
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
    this.initIsBetter(
      o.string("mode", "min"),
      o.number("threshold", 1e-4),
      o.string("threshold_mode", "rel"),
    );
    this.reset();
  }

  /** True while the scheduler waits after a reduction before counting bad epochs again. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Feed the monitored metric after an epoch (or validation run); lowers the lr when it has plateaued. */
  step(metrics: MetricValue, epoch?: number): void {
    const current = typeof metrics === "number" ? metrics : metrics?.item?.();
    if (typeof current !== "number") {
      throw new TypeError(
        `${CLASS}.step needs the monitored metric value (a number), got ${String(metrics)}`,
      );
    }
    if (epoch === undefined) epoch = this.lastEpoch + 1;
    this.lastEpoch = epoch;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates after the most recent step, one per param group (a copy). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state with PyTorch's keys; `mode_worse` and `best` may be +-Infinity. */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      default_min_lr: this.defaultMinLr,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      cooldown: this.cooldown,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
      mode_worse: this.modeWorse,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: this.best,
      cooldown_counter: this.cooldownCounter,
      num_bad_epochs: this.numBadEpochs,
      ...structuredClone(this.extraState),
    };
  }

  /** Restore a state from `stateDict()` (Kiln's or PyTorch's; "inf" strings are read as Infinity). */
  loadStateDict(state: SchedulerStateDict): void {
    const backup = this.stateDict();
    try {
      this.applyState(new StateReader(CLASS, state));
    } catch (error) {
      this.applyState(new StateReader(CLASS, backup));
      throw error;
    }
  }

  private applyState(r: StateReader): void {
    this.factor = r.number("factor") ?? this.factor;
    const defaultMinLr = r.nullableNumber("default_min_lr");
    if (defaultMinLr !== undefined) this.defaultMinLr = defaultMinLr;
    this.minLrs = r.numberList("min_lrs") ?? this.minLrs;
    this.patience = r.number("patience") ?? this.patience;
    this.cooldown = r.number("cooldown") ?? this.cooldown;
    this.eps = r.number("eps") ?? this.eps;
    this.lastEpoch = r.number("last_epoch") ?? this.lastEpoch;
    this.lastLr = r.numberList("_last_lr") ?? this.lastLr;
    r.raw("mode_worse"); // recomputed from mode below, as PyTorch's load_state_dict does
    const mode = r.choice("mode", ["min", "max"] as const) ?? this.mode;
    const threshold = r.number("threshold") ?? this.threshold;
    const thresholdMode = r.choice("threshold_mode", ["rel", "abs"] as const) ?? this.thresholdMode;
    this.best = r.number("best") ?? this.best;
    this.cooldownCounter = r.number("cooldown_counter") ?? this.cooldownCounter;
    this.numBadEpochs = r.number("num_bad_epochs") ?? this.numBadEpochs;
    this.initIsBetter(mode, threshold, thresholdMode);
    this.extraState = { ...this.extraState, ...structuredClone(r.unreadEntries()) };
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  private reduceLr(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) {
      if (this.defaultMinLr === null) {
        throw new Error(
          `${CLASS}: the number of param groups in the optimizer (${groups.length}) differs from when ` +
            `ReduceLROnPlateau was initialized (${this.minLrs.length}), usually due to a new param group being ` +
            `added to the optimizer. Set minLrs to one value per param group.`,
        );
      }
      this.minLrs = new Array<number>(groups.length).fill(this.defaultMinLr);
    }
    groups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1.0 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  private initIsBetter(mode: string, threshold: number, thresholdMode: string): void {
    if (mode !== "min" && mode !== "max")
      throw new RangeError(`${CLASS}: mode ${mode} is unknown! Use 'min' or 'max'.`);
    if (thresholdMode !== "rel" && thresholdMode !== "abs") {
      throw new RangeError(`${CLASS}: threshold mode ${thresholdMode} is unknown! Use 'rel' or 'abs'.`);
    }
    this.modeWorse = mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
  }
}
