// Lightning's GradientAccumulationScheduler: accumulate_grad_batches changes with the epoch, from a schedule
// {first epoch: factor}; epochs before the first listed one accumulate 1.
import { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import { Callback } from "./callback.js";
import { emitWarning } from "./messages.js";
import { MisconfigurationError } from "./options.js";

/** Options of GradientAccumulationScheduler (the YAML's keys). */
export interface GradientAccumulationSchedulerOptions {
  /** Epoch (from 0) -> accumulation factor from that epoch on; YAML keys may be strings ("4": 2). */
  scheduling: Record<string | number, number> | Map<number, number>;
}

/** Changes the trainer's accumulate_grad_batches at each epoch's start, following a schedule. */
export class GradientAccumulationScheduler extends Callback {
  readonly scheduling: Map<number, number>;
  readonly epochs: number[];

  constructor(opts: GradientAccumulationSchedulerOptions) {
    super();
    const raw = opts?.scheduling;
    const entries = raw instanceof Map ? [...raw.entries()] : Object.entries(raw ?? {});
    if (entries.length === 0) throw new TypeError("Empty dict cannot be interpreted correct");
    const keys = entries.map(([k]) => (typeof k === "string" && /^\d+$/.test(k) ? Number(k) : k));
    if (keys.some((k) => typeof k !== "number" || !Number.isInteger(k) || k < 0)) {
      throw new MisconfigurationError(
        `Epoch should be an int greater than or equal to 0. Got [${keys.join(", ")}].`,
      );
    }
    const values = entries.map(([, v]) => v);
    if (values.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new MisconfigurationError(
        `Accumulation factor should be an int greater than 0. Got [${values.join(", ")}].`,
      );
    }
    this.scheduling = new Map(keys.map((k, i) => [k as number, values[i]!]));
    if (!this.scheduling.has(0)) this.scheduling.set(0, 1);
    this.epochs = [...this.scheduling.keys()].sort((a, b) => a - b);
  }

  /** Whether some epoch accumulates more than one batch. */
  goingToAccumulateGradBatches(): boolean {
    return [...this.scheduling.values()].some((v) => v > 1);
  }

  /** The factor for `epoch`: the one of the last listed epoch at or before it. */
  getAccumulateGradBatches(epoch: number): number {
    for (let i = this.epochs.length - 1; i >= 0; i--) {
      if (epoch >= this.epochs[i]!) return this.scheduling.get(this.epochs[i]!)!;
    }
    return 1;
  }

  override onTrainStart(trainer: Trainer, module: LightningModule): void {
    if (!module.automaticOptimization) {
      throw new Error(
        "Automatic gradient accumulation and the `GradientAccumulationScheduler` is not supported for manual " +
          "optimization. Please remove the callback or switch to automatic optimization.",
      );
    }
    const overrides = (name: "optimizerStep" | "optimizerZeroGrad") =>
      module[name] !== LightningModule.prototype[name];
    if (
      (overrides("optimizerStep") || overrides("optimizerZeroGrad")) &&
      this.goingToAccumulateGradBatches()
    ) {
      emitWarning(
        "When using `Trainer(accumulate_grad_batches != 1)` and overriding `LightningModule.optimizer_{step,zero_grad}`, " +
          "the hooks will not be called on every batch (rather, they are called on every optimization step).",
      );
    }
    if (trainer.accumulateGradBatches !== 1) {
      throw new Error(
        "You have set `accumulate_grad_batches` and are using the `GradientAccumulationScheduler` callback. Either " +
          "remove `accumulate_grad_batches` from the Trainer or remove the callback.",
      );
    }
  }

  override onTrainEpochStart(trainer: Trainer): void {
    trainer.accumulateGradBatches = this.getAccumulateGradBatches(trainer.currentEpoch);
  }
}
