/**
 * CosineAnnealingLR. PyTorch updates the lr recursively from the current one, not with the closed form
 * eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2; the recursion is reproduced term by term so
 * that the floats agree (and so that lr changes made by others in between carry on, as in PyTorch).
 */
import { LRScheduler } from "./lr-scheduler.js";
import { OptionReader } from "./options.js";
import type { StateReader } from "./state.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "./types.js";

/** Options of CosineAnnealingLR (PyTorch's keyword names). */
export interface CosineAnnealingLROptions {
  T_max: number;
  eta_min?: number;
  last_epoch?: number;
}

/** Cosine annealing from each group's initial lr down to `eta_min` over `T_max` steps (no restarts). */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    super(optimizer, "CosineAnnealingLR");
    const o = new OptionReader("CosineAnnealingLR", options, ["T_max", "eta_min", "last_epoch"]);
    if (!o.has("T_max")) throw new TypeError("CosineAnnealingLR: missing required option 'T_max'");
    this.tMax = o.number("T_max", 0);
    if (!(this.tMax > 0)) throw o.valueError(`T_max must be a positive number of steps, got ${this.tMax}`);
    this.etaMin = o.number("eta_min", 0);
    this.initialize(o.int("last_epoch", -1));
  }

  protected getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    if (this.isInitial) return this.currentLrs();
    const groups = this.optimizer.paramGroups;
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrsPerGroup().map(
        (base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2,
      );
    }
    // Python's (t - 1 - T_max) % (2 * T_max) == 0; JS's remainder is zero exactly when Python's is.
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      const baseLrs = this.baseLrsPerGroup();
      return groups.map(
        (group, i) => group.lr + ((baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2,
      );
    }
    return groups.map(
      (group) =>
        ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) *
          (group.lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
  }

  protected hyperState(): SchedulerStateDict {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected loadHyperState(reader: StateReader): void {
    this.tMax = reader.number("T_max") ?? this.tMax;
    this.etaMin = reader.number("eta_min") ?? this.etaMin;
  }
}
