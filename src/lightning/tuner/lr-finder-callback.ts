// Lightning's _LRCallback: records the lr before each optimizer step and the smoothed loss after it
// (an exponential moving average with bias correction, beta 0.98), and stops the run when it diverges.
import { Callback } from "../callbacks/callback.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import type { LRFinderScheduler } from "./lr-finder-schedulers.js";

/** Records (lr, smoothed loss) at each optimizer step of the learning-rate finder's run. */
export class LRFinderCallback extends Callback {
  readonly lrs: number[] = [];
  readonly losses: number[] = [];
  scheduler: LRFinderScheduler | null = null;
  avgLoss = 0;
  bestLoss = 0;

  constructor(
    readonly numTraining: number,
    readonly earlyStopThreshold: number | null,
    readonly beta = 0.98,
  ) {
    super();
  }

  override onTrainBatchStart(trainer: Trainer, _m: LightningModule, _batch: unknown, batchIdx: number): void {
    if ((batchIdx + 1) % trainer.accumulateGradBatches !== 0) return;
    this.lrs.push(this.scheduler!.lr[0]!);
  }

  override onTrainBatchEnd(
    trainer: Trainer,
    _m: LightningModule,
    outputs: unknown,
    _b: unknown,
    batchIdx: number,
  ): void {
    if ((batchIdx + 1) % trainer.accumulateGradBatches !== 0) return;
    const loss = typeof outputs === "number" ? outputs : (outputs as { loss?: unknown } | null)?.loss;
    if (typeof loss !== "number") {
      // a skipped step: a NaN keeps lrs and losses aligned and is left out of the suggestion
      this.losses.push(Number.NaN);
      return;
    }
    const step = trainer.globalStep;
    this.avgLoss = this.beta * this.avgLoss + (1 - this.beta) * loss;
    const smoothed = this.avgLoss / (1 - this.beta ** (step + 1));
    if (this.earlyStopThreshold !== null && step > 1 && smoothed > this.earlyStopThreshold * this.bestLoss) {
      trainer.shouldStop = true;
    }
    if (smoothed < this.bestLoss || step === 1) this.bestLoss = smoothed;
    this.losses.push(smoothed);
  }
}
