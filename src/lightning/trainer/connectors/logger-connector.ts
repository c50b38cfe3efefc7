// Lightning's _LoggerConnector: the Trainer's loggers (a default CSVLogger unless `logger` says otherwise), the
// hyperparameters they get, and self.log's results: it turns what the active ResultCollection holds into
// trainer.callbackMetrics, loggedMetrics and progressBarMetrics, and sends logger rows (`epoch` added, `step` =
// optimizer steps).
import type { LightningDataModule } from "../../datamodule.js";
import { CSVLogger } from "../../loggers/csv.js";
import type { Logger } from "../../loggers/logger.js";
import type { LightningModule } from "../../module.js";
import type { ResolvedTrainerOptions, TrainerOptions } from "../options.js";
import type { TrainerState } from "../states.js";
import type { MetricsDict } from "../types.js";
import { type CollectionMetrics, ResultCollection } from "./results.js";

/** What the connector reads from the trainer. */
export interface LoggerConnectorHost {
  readonly loggers: readonly Logger[];
  readonly state: TrainerState;
  readonly currentEpoch: number;
  readonly sanityChecking: boolean;
  readonly shouldStop: boolean;
  readonly fastDevRun: number | false;
  readonly logEveryNSteps: number;
  /** Optimizer steps counted the way loggers see them (Lightning's `_batches_that_stepped`). */
  readonly batchesThatStepped: number;
  /** Whether several ranks train together (their epoch values are then settled on every rank at once). */
  readonly strategy: { readonly isDistributed: boolean };
}

/** The loggers for a `logger` flag: true/undefined gives a CSVLogger in default_root_dir; fast_dev_run gives none. */
export function buildLoggers(flag: TrainerOptions["logger"], options: ResolvedTrainerOptions): Logger[] {
  if (options.fastDevRun !== false || options.barebones) return [];
  if (flag === false || flag === null) return [];
  if (flag === undefined || flag === true) return [new CSVLogger({ save_dir: options.defaultRootDir })];
  return Array.isArray(flag) ? [...flag] : [flag];
}

/** Distributes logged values to loggers, callbacks and the progress bar. */
export class LoggerConnector {
  /** null outside a loop's batches; true on the first batch; false afterwards (Lightning's `_first_loop_iter`). */
  firstLoopIter: boolean | null = null;
  /** What self.log records in the training loop (on_step/on_epoch values, epoch aggregates). */
  readonly trainResults = new ResultCollection(true);
  /** What self.log records in the evaluation loops (validation, its sanity check, test). */
  readonly evalResults = new ResultCollection(false);
  private readonly callback: MetricsDict = {};
  private readonly logged: MetricsDict = {};
  private readonly pbar: MetricsDict = {};

  constructor(private readonly host: LoggerConnectorHost) {}

  /** The results of the loop that is running (training, or an evaluation loop); null outside loops. */
  get activeResults(): ResultCollection | null {
    const stage = this.host.state.stage;
    if (stage === null) return null;
    return stage === "train" ? this.trainResults : this.evalResults;
  }

  /**
   * Sends the module's and datamodule's hyperparameters (merged; a key in both with different values is an
   * error, as in Lightning's _log_hyperparams), the graph, and a save to every logger.
   */
  logHyperparams(module: LightningModule, datamodule: LightningDataModule | null): void {
    const loggers = this.host.loggers;
    if (loggers.length === 0) return;
    const dmHparams = datamodule?.hparams ?? {};
    for (const key of Object.keys(dmHparams)) {
      if (key in module.hparamsInitial && module.hparamsInitial[key] !== dmHparams[key]) {
        throw new Error(
          `Error while merging hparams: the keys [${key}] are present in both the LightningModule's and ` +
            "LightningDataModule's hparams but have different values.",
        );
      }
    }
    const hparams = { ...module.hparamsInitial, ...dmHparams };
    for (const logger of loggers) {
      logger.logHyperparams(hparams);
      logger.logGraph(module);
      logger.save();
    }
  }

  /** trainer.callbackMetrics: refreshed from the active results on every read, as in Lightning. */
  get callbackMetrics(): MetricsDict {
    const results = this.activeResults;
    if (results !== null) Object.assign(this.callback, this.metrics().callback);
    return this.callback;
  }
  get loggedMetrics(): MetricsDict {
    return this.logged;
  }
  get progressBarMetrics(): MetricsDict {
    const results = this.activeResults;
    if (results !== null) Object.assign(this.pbar, this.metrics().pbar);
    return this.pbar;
  }

  /** The active results' metrics, at step level inside a loop's batches and epoch level after. */
  metrics(): CollectionMetrics {
    const results = this.activeResults;
    if (results === null) return { callback: {}, log: {}, pbar: {} };
    return results.metrics(this.firstLoopIter !== null);
  }

  /** Called before each batch: attaches the batch so logged values can infer their batch size. */
  onBatchStart(batch: unknown, dataloaderIdx: number | null): void {
    if (this.firstLoopIter === null) this.firstLoopIter = true;
    else if (this.firstLoopIter) this.firstLoopIter = false;
    const results = this.activeResults;
    if (results !== null) {
      results.batch = batch;
      results.batchSize = null;
      results.dataloaderIdx = dataloaderIdx;
    }
  }

  /** Called after each batch: step-level values become visible to callbacks and the progress bar. */
  onBatchEnd(): void {
    this.absorb(this.metrics());
    const results = this.activeResults;
    if (results !== null) {
      results.batch = null;
      results.batchSize = null;
    }
  }

  /** Marks that a loop's batches are over: metrics now read at epoch level. */
  epochEndReached(): void {
    this.firstLoopIter = null;
    this.settle();
  }

  /**
   * With several ranks: computes every epoch-level value now, on every rank at the same point of the loop.
   * A metric object's value is computed lazily, and computing it all-reduces its state; a later read on one
   * rank only (rank 0's progress bar, its checkpoint callback) then finds the value computed instead of
   * starting an all-reduce that the other ranks never join. The loops call it where the epoch's values
   * become readable: when the batches end, and after the module's epoch-end hook.
   */
  settle(): void {
    const results = this.activeResults;
    if (this.host.strategy.isDistributed && results !== null && this.firstLoopIter === null)
      results.metrics(false);
  }

  /** Called after the epoch-end hooks: epoch-level values become visible. */
  onEpochEnd(): void {
    this.absorb(this.metrics());
  }

  /** Logs the training step's values when this step is due (every log_every_n_steps, or on stop). */
  updateTrainStepMetrics(shouldAccumulate: boolean): void {
    if (shouldAccumulate) return;
    if (this.shouldUpdateLogs() || this.host.fastDevRun !== false) this.logMetrics(this.metrics().log);
  }

  /** Logs the training epoch's aggregates and resets the training results. */
  updateTrainEpochMetrics(): void {
    this.logMetrics(this.metrics().log);
    this.resetResults();
  }

  /** Logs an evaluation step's step-level values at `step` (the evaluation batch counter). */
  updateEvalStepMetrics(step: number): void {
    if (this.host.sanityChecking) return;
    this.logMetrics(this.metrics().log, step);
  }

  /** Collects the evaluation epoch's values (nothing during the sanity check); returns what is logged. */
  updateEvalEpochMetrics(): MetricsDict {
    if (this.host.sanityChecking) return {};
    const metrics = this.metrics();
    this.absorb(metrics);
    return metrics.log;
  }

  /** Sends the evaluation epoch's row to the loggers. */
  logEvalEndMetrics(metrics: MetricsDict): void {
    if (this.host.sanityChecking) return;
    this.logMetrics(metrics);
  }

  /** Sends one row to every logger, adding `epoch` when no explicit step is given (Lightning's log_metrics). */
  logMetrics(metrics: MetricsDict, explicitStep?: number): void {
    if (this.host.loggers.length === 0 || Object.keys(metrics).length === 0) return;
    const scalars: MetricsDict = { ...metrics };
    let step = explicitStep;
    if (step === undefined && "step" in scalars) {
      step = scalars.step;
      delete scalars.step;
    }
    Object.assign(this.logged, scalars);
    if (step === undefined) {
      if (!("epoch" in scalars)) scalars.epoch = this.host.currentEpoch;
      step = this.host.batchesThatStepped;
    }
    for (const logger of this.host.loggers) {
      logger.logMetrics(scalars, step);
      logger.save();
    }
  }

  /** Resets the active results (end of an epoch or an evaluation run). */
  resetResults(): void {
    this.activeResults?.reset();
    this.firstLoopIter = null;
  }

  /** Forgets every metric (after the sanity check, and when a new stage starts). */
  resetMetrics(): void {
    for (const dict of [this.callback, this.logged, this.pbar])
      for (const key of Object.keys(dict)) delete dict[key];
  }

  private shouldUpdateLogs(): boolean {
    // Lightning: log_every_n_steps=0 (barebones) never logs step metrics.
    if (this.host.logEveryNSteps === 0) return false;
    const step = this.host.batchesThatStepped + 1;
    return step % this.host.logEveryNSteps === 0 || this.host.shouldStop;
  }

  private absorb(metrics: CollectionMetrics): void {
    Object.assign(this.pbar, metrics.pbar);
    Object.assign(this.callback, metrics.callback);
    Object.assign(this.logged, metrics.log);
  }
}
