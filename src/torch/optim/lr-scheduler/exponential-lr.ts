/** ExponentialLR: multiply each group's lr by gamma every step. */
import { LRScheduler } from "./lr-scheduler.js";
import { OptionReader } from "./options.js";
import type { StateReader } from "./state.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "./types.js";

/** Options of ExponentialLR (PyTorch's keyword names). */
export interface ExponentialLROptions {
  gamma: number;
  last_epoch?: number;
}

/** Decays each group's lr by `gamma` every step (PyTorch's ExponentialLR). */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    super(optimizer, "ExponentialLR");
    const o = new OptionReader("ExponentialLR", options, ["gamma", "last_epoch"]);
    if (!o.has("gamma")) throw new TypeError("ExponentialLR: missing required option 'gamma'");
    this.gamma = o.number("gamma", 0);
    this.initialize(o.int("last_epoch", -1));
  }

  protected getLr(): number[] {
    // The construction-time step keeps the lr: a scheduler rebuilt from a checkpoint must not decay twice.
    if (this.isInitial) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }

  protected hyperState(): SchedulerStateDict {
    return { gamma: this.gamma };
  }

  protected loadHyperState(reader: StateReader): void {
    this.gamma = reader.number("gamma") ?? this.gamma;
  }
}
