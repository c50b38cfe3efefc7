// PyTorch's torch.optim.swa_utils.SWALR: anneals each group's lr to its swa_lr over anneal_epochs steps
// (cosine or linear), then holds it; the schedule is computed from the current lr, as PyTorch's get_lr does.
import { LRScheduler } from "./lr-scheduler.js";
import type { StateReader } from "./state.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "./types.js";

/** Options of SWALR (PyTorch's keyword names). */
export interface SWALROptions {
  /** The lr to anneal to: one for all groups or one per group. */
  swa_lr: number | number[];
  anneal_epochs?: number;
  anneal_strategy?: "cos" | "linear";
  last_epoch?: number;
}

/** Anneals the lr to swa_lr for stochastic weight averaging (PyTorch's SWALR). */
export class SWALR extends LRScheduler {
  annealEpochs: number;
  readonly annealStrategy: "cos" | "linear";

  constructor(optimizer: SchedulableOptimizer, options: SWALROptions) {
    super(optimizer, "SWALR");
    const groups = optimizer.paramGroups as unknown as { swa_lr?: number }[];
    const lrs = Array.isArray(options.swa_lr) ? options.swa_lr : groups.map(() => options.swa_lr as number);
    if (lrs.length !== groups.length) {
      throw new RangeError(
        `swa_lr must have the same length as optimizer.param_groups: expected ${groups.length}, got ${lrs.length}`,
      );
    }
    groups.forEach((g, i) => {
      g.swa_lr = lrs[i];
    });
    const strategy = options.anneal_strategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") {
      throw new RangeError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${strategy}`);
    }
    const epochs = options.anneal_epochs ?? 10;
    if (!Number.isInteger(epochs) || epochs < 0) {
      throw new RangeError(`anneal_epochs must be equal or greater than 0, got ${epochs}`);
    }
    this.annealStrategy = strategy;
    this.annealEpochs = epochs;
    this.initialize(options.last_epoch ?? -1);
  }

  #anneal(t: number): number {
    return this.annealStrategy === "cos" ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  }

  protected getLr(): number[] {
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const groups = this.optimizer.paramGroups as unknown as { lr: number; swa_lr: number }[];
    const prevAlpha = this.#anneal(Math.max(0, Math.min(1, (step - 1) / Math.max(1, this.annealEpochs))));
    const prevLrs = groups.map((g) =>
      prevAlpha === 1 ? g.swa_lr : (g.lr - prevAlpha * g.swa_lr) / (1 - prevAlpha),
    );
    const alpha = this.#anneal(Math.max(0, Math.min(1, step / Math.max(1, this.annealEpochs))));
    return groups.map((g, i) => g.swa_lr * alpha + prevLrs[i]! * (1 - alpha));
  }

  protected hyperState(): SchedulerStateDict {
    return { anneal_epochs: this.annealEpochs };
  }

  protected loadHyperState(reader: StateReader): void {
    this.annealEpochs = reader.number("anneal_epochs") ?? this.annealEpochs;
  }
}
