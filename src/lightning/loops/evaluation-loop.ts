// The validation/test loop (Lightning's _EvaluationLoop): trainer.validate and trainer.test run their own, and
// fit runs its validation (and the sanity check) through the training epoch loop's. Each batch runs under no_grad
// inside a tidy scope; step outputs reach hooks as numbers.
import { noGrad } from "../../torch/autograd.js";
import { tidy } from "../../torch/scope.js";
import { isOverridden } from "../trainer/hooks.js";
import type { Trainer } from "../trainer/trainer.js";
import type { MetricsDict } from "../trainer/types.js";
import { BatchFetcher } from "./fetchers.js";
import { type LoopChild, RunningLoop } from "./loop.js";
import { BatchProgress } from "./progress.js";
import { disposeBatch, type Loader, outputsToNumbers } from "./utilities.js";

/** The hooks of an evaluation loop, by kind. */
const HOOKS = {
  validate: {
    step: "validationStep",
    modelEval: "onValidationModelEval",
    modelTrain: "onValidationModelTrain",
    start: "onValidationStart",
    end: "onValidationEnd",
    epochStart: "onValidationEpochStart",
    epochEnd: "onValidationEpochEnd",
    batchStart: "onValidationBatchStart",
    batchEnd: "onValidationBatchEnd",
  },
  test: {
    step: "testStep",
    modelEval: "onTestModelEval",
    modelTrain: "onTestModelTrain",
    start: "onTestStart",
    end: "onTestEnd",
    epochStart: "onTestEpochStart",
    epochEnd: "onTestEpochEnd",
    batchStart: "onTestBatchStart",
    batchEnd: "onTestBatchEnd",
  },
} as const;

/**
 * Runs validation or test over its loaders, at most `maxBatches[i]` batches each (the sanity check: at most
 * `sanityMaxBatches[i]`). run() returns the logged epoch metrics per dataloader (what trainer.validate and
 * trainer.test return).
 */
export class EvaluationLoop extends RunningLoop<MetricsDict[]> {
  readonly batchProgress = new BatchProgress();
  /** The loaders of the current run (set by the data connector). */
  loaders: Loader[] = [];
  /** Batches per loader after limit_val/test_batches. */
  maxBatches: number[] = [];
  /** Batches per loader in the sanity check (num_sanity_val_steps). */
  sanityMaxBatches: number[] = [];
  /** Logger step of each dataloader's step-level rows, counted across runs (never during the sanity check). */
  readonly #seenBatches: number[] = [];
  #dataloaderIdx = 0;
  #wasTraining = false;

  constructor(
    trainer: Trainer,
    readonly kind: "validate" | "test",
  ) {
    super(trainer);
  }

  protected override children(): readonly LoopChild[] {
    return [["batch_progress", this.batchProgress]];
  }

  get done(): boolean {
    return this.#dataloaderIdx >= this.loaders.length;
  }

  /** Lightning's evaluation loops count one run: both the totals and the current counts restart. */
  protected override reset(): void {
    this.batchProgress.reset();
    this.#dataloaderIdx = 0;
  }

  protected override async onRunStart(): Promise<void> {
    const n = HOOKS[this.kind];
    const hooks = this.trainer.hooks;
    this.#wasTraining = this.trainer.lightningModule.training;
    await hooks.module(n.modelEval);
    await hooks.callbacks(n.start);
    await hooks.module(n.start);
    await hooks.callbacks(n.epochStart);
    await hooks.module(n.epochStart);
  }

  /** Runs every batch of the next dataloader. */
  protected override async advance(): Promise<void> {
    const dl = this.#dataloaderIdx;
    const limits = this.trainer.sanityChecking ? this.sanityMaxBatches : this.maxBatches;
    const fetcher = new BatchFetcher(this.loaders[dl]!, limits[dl]!);
    try {
      for (let batchIdx = 0; ; batchIdx++) {
        const item = fetcher.next();
        if (item === null) break;
        this.batchProgress.isLastBatch = item.isLast;
        await this.#evaluationStep(item.batch, batchIdx, dl);
        await this.trainer.yieldToEventLoop();
      }
    } finally {
      fetcher.close();
    }
    this.#dataloaderIdx++;
  }

  async #evaluationStep(fetched: unknown, batchIdx: number, dl: number): Promise<void> {
    const n = HOOKS[this.kind];
    const trainer = this.trainer;
    const hooks = trainer.hooks;
    const connector = trainer.loggerConnector;
    const progress = this.batchProgress;
    const multiple = this.loaders.length > 1;
    const batch = await trainer.transferBatch(fetched, dl);
    progress.incrementReady();
    connector.onBatchStart(batch, multiple ? dl : null);
    await hooks.callbacks(n.batchStart, [batch, batchIdx, dl]);
    await hooks.module(n.batchStart, batch, batchIdx, dl);
    progress.incrementStarted();
    const extra = multiple ? [dl] : [];
    const precision = trainer.precisionPlugin;
    const output = noGrad(() =>
      tidy(() =>
        outputsToNumbers(
          precision.forwardContext(() => hooks.moduleStrict(n.step, batch, batchIdx, ...extra)),
        ),
      ),
    );
    progress.incrementProcessed();
    await hooks.callbacks(n.batchEnd, [output, batch, batchIdx, dl]);
    await hooks.module(n.batchEnd, output, batch, batchIdx, dl);
    connector.onBatchEnd();
    progress.incrementCompleted();
    if (!trainer.sanityChecking) {
      connector.updateEvalStepMetrics(this.#seenBatches[dl] ?? 0);
      this.#seenBatches[dl] = (this.#seenBatches[dl] ?? 0) + 1;
    }
    disposeBatch(fetched, batch);
  }

  protected override async onRunEnd(): Promise<MetricsDict[]> {
    const n = HOOKS[this.kind];
    const trainer = this.trainer;
    const hooks = trainer.hooks;
    const connector = trainer.loggerConnector;
    const module = trainer.lightningModule;
    connector.epochEndReached();
    await hooks.callbacks(n.epochEnd);
    await hooks.module(n.epochEnd);
    const logged = connector.updateEvalEpochMetrics();
    connector.logEvalEndMetrics(logged);
    await hooks.callbacks(n.end);
    await hooks.module(n.end);
    connector.resetResults();
    if (isOverridden(n.modelTrain, module)) await hooks.module(n.modelTrain);
    else if (this.#wasTraining) module.train(); // Lightning restores the mode the module had before evaluation
    return this.loaders.map(() => ({ ...logged }));
  }
}
