// Where self.log may be called and with which on_step/on_epoch values: Lightning's _FxValidator table.
import type { LogOptions, ReduceFx } from "../types.js";

interface HookLogRules {
  allowedOnStep: readonly boolean[];
  allowedOnEpoch: readonly boolean[];
  defaultOnStep: boolean;
  defaultOnEpoch: boolean;
}

const STEP_LEVEL: HookLogRules = {
  allowedOnStep: [false, true],
  allowedOnEpoch: [false, true],
  defaultOnStep: true,
  defaultOnEpoch: false,
};
const EVAL_STEP_LEVEL: HookLogRules = {
  allowedOnStep: [false, true],
  allowedOnEpoch: [false, true],
  defaultOnStep: false,
  defaultOnEpoch: true,
};
const EPOCH_ONLY: HookLogRules = {
  allowedOnStep: [false],
  allowedOnEpoch: [true],
  defaultOnStep: false,
  defaultOnEpoch: true,
};

/** Hooks (camelCase) in which self.log is allowed, with Lightning's defaults; null: logging is an error. */
export const HOOK_LOG_RULES: Readonly<Record<string, HookLogRules | null>> = {
  onBeforeBackward: STEP_LEVEL,
  backward: STEP_LEVEL,
  onAfterBackward: STEP_LEVEL,
  onBeforeOptimizerStep: STEP_LEVEL,
  optimizerStep: STEP_LEVEL,
  configureGradientClipping: STEP_LEVEL,
  clipGradients: STEP_LEVEL,
  onBeforeZeroGrad: STEP_LEVEL,
  optimizerZeroGrad: STEP_LEVEL,
  trainingStep: STEP_LEVEL,
  lrSchedulerStep: STEP_LEVEL,
  onTrainBatchStart: STEP_LEVEL,
  onTrainBatchEnd: STEP_LEVEL,
  validationStep: EVAL_STEP_LEVEL,
  testStep: EVAL_STEP_LEVEL,
  onValidationBatchStart: EVAL_STEP_LEVEL,
  onValidationBatchEnd: EVAL_STEP_LEVEL,
  onTestBatchStart: EVAL_STEP_LEVEL,
  onTestBatchEnd: EVAL_STEP_LEVEL,
  onTrainStart: EPOCH_ONLY,
  onValidationStart: EPOCH_ONLY,
  onTestStart: EPOCH_ONLY,
  onTrainEpochStart: EPOCH_ONLY,
  onTrainEpochEnd: EPOCH_ONLY,
  onValidationEpochStart: EPOCH_ONLY,
  onValidationEpochEnd: EPOCH_ONLY,
  onTestEpochStart: EPOCH_ONLY,
  onTestEpochEnd: EPOCH_ONLY,
  onFitStart: null,
  onFitEnd: null,
  onSanityCheckStart: null,
  onSanityCheckEnd: null,
  onTrainEnd: null,
  onValidationEnd: null,
  onTestEnd: null,
  onPredictStart: null,
  onPredictEnd: null,
  onPredictEpochStart: null,
  onPredictEpochEnd: null,
  onPredictBatchStart: null,
  onPredictBatchEnd: null,
  predictStep: null,
  onException: null,
  stateDict: null,
  onSaveCheckpoint: null,
  onLoadCheckpoint: null,
  loadStateDict: null,
  setup: null,
  teardown: null,
  configureModel: null,
  configureOptimizers: null,
  onBeforeBatchTransfer: null,
  transferBatchToDevice: null,
  onAfterBatchTransfer: null,
};

/** The options of a self.log call with Lightning's per-hook defaults filled in, after validating them. */
export type ResolvedLogOptions = LogOptions &
  Required<Pick<LogOptions, "onStep" | "onEpoch" | "progBar" | "logger" | "reduceFx">>;

/** Resolves self.log options for a call made inside hook `fx` (camelCase); throws where Lightning would. */
export function resolveLogOptions(fx: string | null, name: string, options: LogOptions): ResolvedLogOptions {
  if (fx === null) {
    throw new Error(
      `You are trying to \`self.log(${JSON.stringify(name)})\` but it is not managed by the \`Trainer\` ` +
        "control flow: log from a step or a hook that the Trainer calls.",
    );
  }
  if (!(fx in HOOK_LOG_RULES)) {
    throw new Error(`Logging inside \`${fx}\` is not implemented; log from a step or an epoch-end hook.`);
  }
  const rules = HOOK_LOG_RULES[fx];
  if (rules === null || rules === undefined) throw new Error(`You can't \`self.log()\` inside \`${fx}\`.`);
  const onStep = options.onStep ?? rules.defaultOnStep;
  const onEpoch = options.onEpoch ?? rules.defaultOnEpoch;
  if (!rules.allowedOnStep.includes(onStep)) {
    throw new Error(
      `You can't \`self.log(${name}, onStep=${onStep})\` inside \`${fx}\`. ` +
        `Possible values for onStep: ${rules.allowedOnStep.join(", ")}`,
    );
  }
  if (!rules.allowedOnEpoch.includes(onEpoch)) {
    throw new Error(
      `You can't \`self.log(${name}, onEpoch=${onEpoch})\` inside \`${fx}\`. ` +
        `Possible values for onEpoch: ${rules.allowedOnEpoch.join(", ")}`,
    );
  }
  const reduceFx: ReduceFx = options.reduceFx ?? "mean";
  if (!["mean", "sum", "max", "min"].includes(reduceFx)) {
    throw new Error(
      `self.log(${name}): reduceFx must be "mean", "sum", "max" or "min", got ${String(reduceFx)}`,
    );
  }
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
    throw new Error(`self.log(${name}): batchSize must be a positive integer, got ${options.batchSize}`);
  }
  // Every field written out, no `{ ...options, logger }`: on Node 20 a spread followed by a key the source lacks
  // leaves V8's fast clone path (~1-2.5 us per call, twice per training step in the template).
  return {
    onStep,
    onEpoch,
    progBar: options.progBar ?? false,
    logger: options.logger ?? true,
    reduceFx,
    batchSize: options.batchSize,
    syncDist: options.syncDist,
    rankZeroOnly: options.rankZeroOnly,
    addDataloaderIdx: options.addDataloaderIdx,
  };
}
