// The prediction loop (Lightning's _PredictionLoop): predictStep over each predict dataloader under no_grad; the
// predictions are returned to the caller, who owns (and must dispose) their tensors.
import { noGrad } from "../../torch/autograd.js";
import { tidy } from "../../torch/scope.js";
import { BatchFetcher } from "./fetchers.js";
import { type LoopChild, RunningLoop } from "./loop.js";
import { Progress } from "./progress.js";
import { disposeBatch, type Loader } from "./utilities.js";

/** Runs predictStep over its loaders; run() returns the predictions (per dataloader when there are several). */
export class PredictionLoop extends RunningLoop<unknown[] | unknown[][]> {
  /** Batches across dataloaders (Lightning's _Progress: no is_last_batch in checkpoints). */
  readonly batchProgress = Progress.processed();
  /** The loaders of the current run (set by the data connector). */
  loaders: Loader[] = [];
  /** Batches per loader after limit_predict_batches. */
  maxBatches: number[] = [];
  #dataloaderIdx = 0;
  #predictions: unknown[][] = [];
  #wasTraining = false;

  protected override children(): readonly LoopChild[] {
    return [["batch_progress", this.batchProgress]];
  }

  get done(): boolean {
    return this.#dataloaderIdx >= this.loaders.length;
  }

  protected override reset(): void {
    this.batchProgress.resetOnRun();
    this.#dataloaderIdx = 0;
    this.#predictions = [];
  }

  protected override async onRunStart(): Promise<void> {
    const hooks = this.trainer.hooks;
    this.#wasTraining = this.trainer.lightningModule.training;
    await hooks.module("onPredictModelEval");
    await hooks.callbacks("onPredictStart");
    await hooks.module("onPredictStart");
    await hooks.callbacks("onPredictEpochStart");
    await hooks.module("onPredictEpochStart");
  }

  /** Predicts every batch of the next dataloader. */
  protected override async advance(): Promise<void> {
    const dl = this.#dataloaderIdx;
    const predictions: unknown[] = [];
    const fetcher = new BatchFetcher(this.loaders[dl]!, this.maxBatches[dl]!);
    try {
      for (let batchIdx = 0; ; batchIdx++) {
        const item = fetcher.next();
        if (item === null) break;
        predictions.push(await this.#predictStep(item.batch, batchIdx, dl));
        await this.trainer.yieldToEventLoop();
      }
    } finally {
      fetcher.close();
    }
    this.#predictions.push(predictions);
    this.#dataloaderIdx++;
  }

  async #predictStep(fetched: unknown, batchIdx: number, dl: number): Promise<unknown> {
    const trainer = this.trainer;
    const hooks = trainer.hooks;
    const progress = this.batchProgress;
    const batch = await trainer.transferBatch(fetched, dl);
    progress.incrementReady();
    await hooks.callbacks("onPredictBatchStart", [batch, batchIdx, dl]);
    await hooks.module("onPredictBatchStart", batch, batchIdx, dl);
    progress.incrementStarted();
    const extra = this.loaders.length > 1 ? [dl] : [];
    const precision = trainer.precisionPlugin;
    const output = noGrad(() =>
      tidy(() =>
        precision.forwardContext(() => hooks.moduleStrict("predictStep", batch, batchIdx, ...extra)),
      ),
    );
    progress.incrementProcessed();
    await hooks.callbacks("onPredictBatchEnd", [output, batch, batchIdx, dl]);
    await hooks.module("onPredictBatchEnd", output, batch, batchIdx, dl);
    progress.incrementCompleted();
    disposeBatch(fetched, batch);
    return output;
  }

  protected override async onRunEnd(): Promise<unknown[] | unknown[][]> {
    const hooks = this.trainer.hooks;
    await hooks.callbacks("onPredictEpochEnd");
    await hooks.module("onPredictEpochEnd");
    await hooks.callbacks("onPredictEnd");
    await hooks.module("onPredictEnd");
    if (this.#wasTraining) this.trainer.lightningModule.train(); // restore the caller's mode, as evaluation does
    return this.loaders.length > 1 ? this.#predictions : (this.#predictions[0] ?? []);
  }
}
