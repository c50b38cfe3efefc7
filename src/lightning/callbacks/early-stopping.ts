/**
 * EarlyStopping (Lightning 2.6 semantics): stops fitting when the monitored metric stops improving for
 * `patience` checks (validation runs, or train epochs when checking at train epoch end), crosses a stopping or
 * divergence threshold, or becomes non-finite. Messages are Lightning's, word for word.
 */
import { Callback } from "./callback.js";
import { emitInfo, emitWarning } from "./messages.js";
import {
  boolOption,
  intOption,
  MisconfigurationError,
  numberOption,
  readOptions,
  stringOption,
} from "./options.js";
import { pyFormatNumber } from "./pyformat.js";
import { f32, scalarTensor, scalarValue } from "./scalar-state.js";
import { isFitting, metricEntries, metricGet, type TrainerView } from "./trainer-view.js";

/** EarlyStopping's options (Lightning's argument names). */
export interface EarlyStoppingOptions {
  monitor: string;
  min_delta?: number;
  patience?: number;
  verbose?: boolean;
  mode?: "min" | "max";
  strict?: boolean;
  check_finite?: boolean;
  stopping_threshold?: number | null;
  divergence_threshold?: number | null;
  check_on_train_epoch_end?: boolean | null;
  log_rank_zero_only?: boolean;
}

/** Why EarlyStopping stopped the fit (Lightning's EarlyStoppingReason). */
export enum EarlyStoppingReason {
  NOT_STOPPED = 0,
  STOPPING_THRESHOLD = 1,
  DIVERGENCE_THRESHOLD = 2,
  PATIENCE_EXHAUSTED = 3,
  NON_FINITE_METRIC = 4,
}

/** The trainer members EarlyStopping reads besides the common ones. */
export interface EarlyStoppingTrainerView extends TrainerView {
  readonly valCheckInterval: number;
  readonly checkValEveryNEpoch: number | null;
}

const OPTION_KEYS = [
  "monitor",
  "min_delta",
  "patience",
  "verbose",
  "mode",
  "strict",
  "check_finite",
  "stopping_threshold",
  "divergence_threshold",
  "check_on_train_epoch_end",
  "log_rank_zero_only",
] as const;

/** Stops training when a monitored metric has stopped improving. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  minDelta: number;
  patience: number;
  verbose: boolean;
  readonly mode: "min" | "max";
  strict: boolean;
  checkFinite: boolean;
  stoppingThreshold: number | null;
  divergenceThreshold: number | null;
  logRankZeroOnly: boolean;
  waitCount = 0;
  stoppedEpoch = 0;
  bestScore: number;
  stoppingReason = EarlyStoppingReason.NOT_STOPPED;
  stoppingReasonMessage: string | null = null;
  #checkOnTrainEpochEnd: boolean | null;

  constructor(options: EarlyStoppingOptions) {
    super();
    const name = "EarlyStopping";
    const o = readOptions(name, options, OPTION_KEYS);
    const monitor = stringOption(name, o, "monitor", null);
    if (monitor === null) throw new TypeError("EarlyStopping needs `monitor`: the name of a logged metric");
    this.monitor = monitor;
    this.minDelta = numberOption(name, o, "min_delta", 0);
    this.patience = intOption(name, o, "patience", 3)!;
    this.verbose = boolOption(name, o, "verbose", false);
    const mode = stringOption(name, o, "mode", "min");
    if (mode !== "min" && mode !== "max")
      throw new MisconfigurationError(`\`mode\` can be min, max, got ${mode}`);
    this.mode = mode;
    this.strict = boolOption(name, o, "strict", true);
    this.checkFinite = boolOption(name, o, "check_finite", true);
    this.stoppingThreshold = numberOption(name, o, "stopping_threshold", null);
    this.divergenceThreshold = numberOption(name, o, "divergence_threshold", null);
    const onTrainEnd = o.check_on_train_epoch_end;
    this.#checkOnTrainEpochEnd = onTrainEnd === undefined || onTrainEnd === null ? null : Boolean(onTrainEnd);
    this.logRankZeroOnly = boolOption(name, o, "log_rank_zero_only", false);
    // Lightning stores min_delta signed so that `current - min_delta` improves in both modes.
    this.minDelta *= mode === "max" ? 1 : -1;
    this.bestScore = mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  override get stateKey(): string {
    return this.generateStateKey({ monitor: this.monitor, mode: this.mode });
  }

  override setup(trainer: EarlyStoppingTrainerView): void {
    if (this.#checkOnTrainEpochEnd === null) {
      // Validation several times per epoch, or not every epoch: check after validation instead.
      this.#checkOnTrainEpochEnd = trainer.valCheckInterval === 1.0 && trainer.checkValEveryNEpoch === 1;
    }
  }

  override onTrainEpochEnd(trainer: EarlyStoppingTrainerView): void {
    if (!this.#checkOnTrainEpochEnd || this.#shouldSkipCheck(trainer)) return;
    this.runEarlyStoppingCheck(trainer);
  }

  override onValidationEnd(trainer: EarlyStoppingTrainerView): void {
    if (this.#checkOnTrainEpochEnd || this.#shouldSkipCheck(trainer)) return;
    this.runEarlyStoppingCheck(trainer);
  }

  override stateDict(): Record<string, unknown> {
    return {
      wait_count: this.waitCount,
      stopped_epoch: this.stoppedEpoch,
      best_score: scalarTensor(this.bestScore),
      patience: this.patience,
    };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.waitCount = Number(state.wait_count);
    this.stoppedEpoch = Number(state.stopped_epoch);
    this.bestScore = scalarValue(state.best_score) ?? this.bestScore;
    this.patience = Number(state.patience);
  }

  #shouldSkipCheck(trainer: TrainerView): boolean {
    return !isFitting(trainer) || trainer.sanityChecking;
  }

  /** Reads the monitored metric and, when a stopping criterion holds, sets trainer.shouldStop. */
  runEarlyStoppingCheck(trainer: TrainerView): void {
    if (trainer.fastDevRun) return;
    const current = metricGet(trainer.callbackMetrics, this.monitor);
    if (current === undefined) {
      const available = metricEntries(trainer.callbackMetrics).map(([k]) => k);
      const message =
        `Early stopping conditioned on metric \`${this.monitor}\` which is not available. Pass in or modify ` +
        `your \`EarlyStopping\` callback to use any of the following: \`${available.join("`, `")}\``;
      if (this.strict) throw new Error(message);
      if (this.verbose) emitWarning(message);
      return;
    }
    const [shouldStop, reason] = this.evaluateStoppingCriteria(f32(current));
    trainer.shouldStop = trainer.shouldStop || shouldStop;
    if (shouldStop) this.stoppedEpoch = trainer.currentEpoch;
    if (reason !== null && this.verbose) emitInfo(reason);
  }

  #better(a: number, b: number): boolean {
    return this.mode === "min" ? a < b : a > b;
  }

  /** Updates best score / wait count for one value; returns whether to stop and the message why. */
  evaluateStoppingCriteria(current: number): [boolean, string | null] {
    const order = this.mode === "min" ? "<" : ">";
    // Lightning 2.6 prints the value as a Python float (repr of the float32 value).
    const cur = pyNum(current);
    let shouldStop = false;
    let reason: string | null = null;
    if (this.checkFinite && !Number.isFinite(current)) {
      shouldStop = true;
      reason =
        `Monitored metric ${this.monitor} = ${cur} is not finite. Previous best value was ` +
        `${fmt3(this.bestScore)}. Signaling Trainer to stop.`;
      this.#stopWith(EarlyStoppingReason.NON_FINITE_METRIC, reason);
    } else if (this.stoppingThreshold !== null && this.#better(current, this.stoppingThreshold)) {
      shouldStop = true;
      reason = `Stopping threshold reached: ${this.monitor} = ${cur} ${order} ${pyNum(this.stoppingThreshold)}. Signaling Trainer to stop.`;
      this.#stopWith(EarlyStoppingReason.STOPPING_THRESHOLD, reason);
    } else if (this.divergenceThreshold !== null && this.#better(-current, -this.divergenceThreshold)) {
      shouldStop = true;
      reason = `Divergence threshold reached: ${this.monitor} = ${cur} ${order} ${pyNum(this.divergenceThreshold)}. Signaling Trainer to stop.`;
      this.#stopWith(EarlyStoppingReason.DIVERGENCE_THRESHOLD, reason);
    } else if (this.#better(f32(current - this.minDelta), this.bestScore)) {
      reason = this.#improvementMessage(current);
      this.bestScore = current;
      this.waitCount = 0;
    } else {
      this.waitCount += 1;
      if (this.waitCount >= this.patience) {
        shouldStop = true;
        reason =
          `Monitored metric ${this.monitor} did not improve in the last ${this.waitCount} records. ` +
          `Best score: ${fmt3(this.bestScore)}. Signaling Trainer to stop.`;
        this.#stopWith(EarlyStoppingReason.PATIENCE_EXHAUSTED, reason);
      }
    }
    return [shouldStop, reason];
  }

  #stopWith(reason: EarlyStoppingReason, message: string): void {
    this.stoppingReason = reason;
    this.stoppingReasonMessage = message;
  }

  #improvementMessage(current: number): string {
    if (Number.isFinite(this.bestScore)) {
      return (
        `Metric ${this.monitor} improved by ${fmt3(Math.abs(f32(this.bestScore - current)))} >= min_delta = ` +
        `${pyNum(Math.abs(this.minDelta))}. New best score: ${fmt3(current)}`
      );
    }
    return `Metric ${this.monitor} improved. New best score: ${fmt3(current)}`;
  }
}

function fmt3(x: number): string {
  return pyFormatNumber({ value: x, isInt: false }, ".3f");
}

// A threshold or min_delta as Python prints the float the user gave.
function pyNum(x: number): string {
  return pyFormatNumber({ value: x, isInt: false }, "");
}
