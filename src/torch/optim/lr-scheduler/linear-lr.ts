/** LinearLR: scale each group's lr by a factor moving linearly from start_factor to end_factor. */
import { LRScheduler } from "./lr-scheduler.js";
import { OptionReader } from "./options.js";
import type { StateReader } from "./state.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "./types.js";

/** Options of LinearLR (PyTorch's keyword names). */
export interface LinearLROptions {
  start_factor?: number;
  end_factor?: number;
  total_iters?: number;
  last_epoch?: number;
}

/** Linear warm-up or decay of the lr factor over `total_iters` steps (PyTorch's LinearLR). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}) {
    super(optimizer, "LinearLR");
    const o = new OptionReader("LinearLR", options, [
      "start_factor",
      "end_factor",
      "total_iters",
      "last_epoch",
    ]);
    this.startFactor = o.number("start_factor", 1.0 / 3);
    this.endFactor = o.number("end_factor", 1.0);
    this.totalIters = o.int("total_iters", 5);
    if (this.startFactor > 1.0 || !(this.startFactor > 0)) {
      throw o.valueError(
        `Starting multiplicative factor expected to be greater than 0 and less or equal to 1 ` +
          `(start_factor=${this.startFactor}).`,
      );
    }
    if (this.endFactor > 1.0 || !(this.endFactor >= 0)) {
      throw o.valueError(
        `Ending multiplicative factor expected to be between 0 and 1 (end_factor=${this.endFactor}).`,
      );
    }
    if (this.totalIters <= 0)
      throw o.valueError(`total_iters must be a positive integer, got ${this.totalIters}`);
    this.initialize(o.int("last_epoch", -1));
  }

  protected getLr(): number[] {
    const { lastEpoch: t, startFactor: sf, endFactor: ef, totalIters } = this;
    if (t === 0) return this.currentLrs().map((lr) => lr * sf);
    if (this.isInitial || t > totalIters) return this.currentLrs();
    // The ratio of consecutive factors, applied to the current lr (PyTorch's chainable form).
    return this.currentLrs().map((lr) => lr * (1.0 + (ef - sf) / (totalIters * sf + (t - 1) * (ef - sf))));
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, startFactor: sf, endFactor: ef, totalIters } = this;
    return this.baseLrs.map((base) => base * (sf + ((ef - sf) * Math.min(totalIters, t)) / totalIters));
  }

  protected hyperState(): SchedulerStateDict {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }

  protected loadHyperState(reader: StateReader): void {
    this.startFactor = reader.number("start_factor") ?? this.startFactor;
    this.endFactor = reader.number("end_factor") ?? this.endFactor;
    this.totalIters = reader.number("total_iters") ?? this.totalIters;
  }
}
