// The Trainer's flag values as Lightning's attributes (camelCase getters over the resolved options), and the
// detect_anomaly check. Trainer extends this class; it holds no state of its own.
import { tidy } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";
import type { ResolvedTrainerOptions } from "./options.js";
import type { Trainer } from "./trainer.js";

/** Read-only views of the Trainer's flags. */
export abstract class TrainerFlags {
  constructor(readonly options: ResolvedTrainerOptions) {}

  get maxEpochs(): number {
    return this.options.maxEpochs;
  }
  get minEpochs(): number {
    return this.options.minEpochs;
  }
  get maxSteps(): number {
    return this.options.maxSteps;
  }
  get minSteps(): number | null {
    return this.options.minSteps;
  }
  get fastDevRun(): number | false {
    return this.options.fastDevRun;
  }
  get logEveryNSteps(): number {
    return this.options.logEveryNSteps;
  }
  get checkValEveryNEpoch(): number | null {
    return this.options.checkValEveryNEpoch;
  }
  /** val_check_interval as a number (a fraction of an epoch, or a batch count). */
  get valCheckInterval(): number {
    return this.options.valCheckInterval.value;
  }
  get accumulateGradBatches(): number {
    return this.options.accumulateGradBatches;
  }
  /** Callbacks may change it between epochs, as Lightning's GradientAccumulationScheduler does. */
  set accumulateGradBatches(n: number) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`accumulate_grad_batches must be an int >= 1, got ${n}`);
    this.options.accumulateGradBatches = n;
  }
  get gradientClipVal(): number | null {
    return this.options.gradientClipVal;
  }
  get gradientClipAlgorithm(): "norm" | "value" {
    return this.options.gradientClipAlgorithm;
  }
  get detectAnomaly(): boolean {
    return this.options.detectAnomaly;
  }
  get numSanityValSteps(): number {
    return this.options.numSanityValSteps;
  }
  /** Whether the Trainer runs in Lightning's barebones mode (self.log, checkpoints, bars, summaries off). */
  get barebones(): boolean {
    return this.options.barebones;
  }
  get reloadDataloadersEveryNEpochs(): number {
    return this.options.reloadDataloadersEveryNEpochs;
  }
}

/** detect_anomaly: throws when the loss or a gradient is NaN/Inf, naming the parameter, epoch and step. */
export function checkAnomaly(trainer: Trainer, loss: Tensor): void {
  tidy(() => {
    if (!loss.isfinite().all().item()) {
      throw new Error(
        `detect_anomaly: the loss is ${loss.item()} at epoch ${trainer.currentEpoch}, step ${trainer.globalStep}.`,
      );
    }
    for (const [name, p] of trainer.lightningModule.namedParameters()) {
      const g = p.grad;
      if (g !== null && !g.isfinite().all().item()) {
        throw new Error(
          `detect_anomaly: the gradient of ${name} contains NaN or Inf after backward at epoch ${trainer.currentEpoch}, ` +
            `step ${trainer.globalStep}.`,
        );
      }
    }
  });
}
