// The validation/test loop (Lightning's _EvaluationLoop) and the prediction loop. Each batch runs under
// no_grad inside a tidy scope; step outputs reach hooks as numbers.
import { noGrad } from "../../torch/autograd.js";
import { tidy } from "../../torch/scope.js";
import {
  BatchFetcher,
  disposeBatch,
  type Loader,
  outputsToNumbers,
} from "../trainer/connectors/data-connector.js";
import { isOverridden } from "../trainer/hooks.js";
import { precisionPlugin } from "../trainer/precision.js";
import type { Trainer } from "../trainer/trainer.js";
import type { MetricsDict } from "../trainer/types.js";

/** Counters of one evaluation loop, kept across runs (Lightning's batch_progress). */
export interface EvalProgress {
  total: { ready: number; completed: number; started: number; processed: number };
  current: { ready: number; completed: number; started: number; processed: number };
  isLastBatch: boolean;
  /** Logger step for eval step-level rows, per dataloader. */
  seenBatches: number[];
}

/** Fresh counters. */
export function newEvalProgress(): EvalProgress {
  return {
    total: { ready: 0, completed: 0, started: 0, processed: 0 },
    current: { ready: 0, completed: 0, started: 0, processed: 0 },
    isLastBatch: false,
    seenBatches: [],
  };
}

const NAMES = {
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
 * Runs validation or test over `loaders`, at most `limits[i]` batches each. Returns the logged epoch metrics
 * per dataloader (what trainer.validate/test return).
 */
export async function runEvaluation(
  trainer: Trainer,
  kind: "validate" | "test",
  loaders: readonly Loader[],
  limits: readonly number[],
  progress: EvalProgress,
): Promise<MetricsDict[]> {
  const n = NAMES[kind];
  const hooks = trainer.hooks;
  const precision = precisionPlugin(trainer);
  const module = trainer.lightningModule;
  const connector = trainer.loggerConnector;
  // Lightning's loops count one run: both totals and per-run counts restart (tiny.ckpt shows total == 2).
  progress.total = { ready: 0, completed: 0, started: 0, processed: 0 };
  progress.current = { ready: 0, completed: 0, started: 0, processed: 0 };
  const wasTraining = module.training;
  await hooks.module(n.modelEval);
  await hooks.callbacks(n.start);
  await hooks.module(n.start);
  await hooks.callbacks(n.epochStart);
  await hooks.module(n.epochStart);
  const multiple = loaders.length > 1;
  for (let dl = 0; dl < loaders.length; dl++) {
    const fetcher = new BatchFetcher(loaders[dl]!, limits[dl]!);
    try {
      for (let batchIdx = 0; ; batchIdx++) {
        const item = fetcher.next();
        if (item === null) break;
        progress.isLastBatch = item.isLast;
        const extra = multiple ? [dl] : [];
        const batch = await trainer.transferBatch(item.batch, dl);
        progress.total.ready++;
        progress.current.ready++;
        connector.onBatchStart(batch, multiple ? dl : null);
        await hooks.callbacks(n.batchStart, [batch, batchIdx, dl]);
        await hooks.module(n.batchStart, batch, batchIdx, dl);
        progress.total.started++;
        progress.current.started++;
        const output = noGrad(() =>
          tidy(() =>
            outputsToNumbers(
              precision.forwardContext(() => hooks.moduleStrict(n.step, batch, batchIdx, ...extra)),
            ),
          ),
        );
        progress.total.processed++;
        progress.current.processed++;
        await hooks.callbacks(n.batchEnd, [output, batch, batchIdx, dl]);
        await hooks.module(n.batchEnd, output, batch, batchIdx, dl);
        connector.onBatchEnd();
        progress.total.completed++;
        progress.current.completed++;
        if (!trainer.sanityChecking) {
          connector.updateEvalStepMetrics(progress.seenBatches[dl] ?? 0);
          progress.seenBatches[dl] = (progress.seenBatches[dl] ?? 0) + 1;
        }
        disposeBatch(item.batch, batch);
        await trainer.yieldToEventLoop();
      }
    } finally {
      fetcher.close();
    }
  }
  connector.epochEndReached();
  await hooks.callbacks(n.epochEnd);
  await hooks.module(n.epochEnd);
  const logged = connector.updateEvalEpochMetrics();
  connector.logEvalEndMetrics(logged);
  await hooks.callbacks(n.end);
  await hooks.module(n.end);
  connector.resetResults();
  if (isOverridden(n.modelTrain, module)) await hooks.module(n.modelTrain);
  else if (wasTraining) module.train(); // Lightning restores the mode the module had before evaluation
  return loaders.map(() => ({ ...logged }));
}

/** Runs prediction over `loaders`; returns the predictions (per dataloader when there are several). */
export async function runPrediction(
  trainer: Trainer,
  loaders: readonly Loader[],
  limits: readonly number[],
): Promise<unknown[] | unknown[][]> {
  const hooks = trainer.hooks;
  const precision = precisionPlugin(trainer);
  const wasTraining = trainer.lightningModule.training;
  await hooks.module("onPredictModelEval");
  await hooks.callbacks("onPredictStart");
  await hooks.module("onPredictStart");
  await hooks.callbacks("onPredictEpochStart");
  await hooks.module("onPredictEpochStart");
  const all: unknown[][] = [];
  const multiple = loaders.length > 1;
  for (let dl = 0; dl < loaders.length; dl++) {
    const predictions: unknown[] = [];
    const fetcher = new BatchFetcher(loaders[dl]!, limits[dl]!);
    try {
      for (let batchIdx = 0; ; batchIdx++) {
        const item = fetcher.next();
        if (item === null) break;
        const batch = await trainer.transferBatch(item.batch, dl);
        await hooks.callbacks("onPredictBatchStart", [batch, batchIdx, dl]);
        await hooks.module("onPredictBatchStart", batch, batchIdx, dl);
        // Predictions are returned to the caller, who owns (and must dispose) their tensors.
        const output = noGrad(() =>
          tidy(() =>
            precision.forwardContext(() =>
              hooks.moduleStrict("predictStep", batch, batchIdx, ...(multiple ? [dl] : [])),
            ),
          ),
        );
        predictions.push(output);
        await hooks.callbacks("onPredictBatchEnd", [output, batch, batchIdx, dl]);
        await hooks.module("onPredictBatchEnd", output, batch, batchIdx, dl);
        disposeBatch(item.batch, batch);
        await trainer.yieldToEventLoop();
      }
    } finally {
      fetcher.close();
    }
    all.push(predictions);
  }
  await hooks.callbacks("onPredictEpochEnd");
  await hooks.module("onPredictEpochEnd");
  await hooks.callbacks("onPredictEnd");
  await hooks.module("onPredictEnd");
  if (wasTraining) trainer.lightningModule.train(); // restore the caller's mode, as evaluation does
  return multiple ? all : (all[0] ?? []);
}
