/**
 * Optuna pruning for a fit (optuna-integration's PyTorchLightningPruningCallback): after each validation
 * (not the sanity check) the monitored metric is reported to the trial at the current epoch, and when the
 * study's pruner says so the fit stops by raising TrialPruned, which ends the trial PRUNED. The trial may be an
 * Optuna Trial of this process or a sweep job's trial whose calls go elsewhere (both may be async).
 */
import { TrialPruned } from "../../optuna/exceptions.js";
import type { LightningModule } from "../module.js";
import { Callback } from "./callback.js";
import { emitWarning } from "./messages.js";
import { metricGet, type TrainerView } from "./trainer-view.js";

/** What the callback needs of a trial. */
export interface PruningTrial {
  report(value: number, step: number): unknown;
  shouldPrune(): boolean | Promise<boolean>;
}

/** OptunaPruningCallback's options. */
export interface OptunaPruningOptions {
  trial: PruningTrial;
  /** The logged metric to report (e.g. `val/acc`); a sweep uses its `optimized_metric`. */
  monitor: string;
}

/** Reports a metric to an Optuna trial after each validation and prunes the fit when told to. */
export class OptunaPruningCallback extends Callback {
  readonly trial: PruningTrial;
  readonly monitor: string;

  constructor(opts: OptunaPruningOptions) {
    super();
    this.trial = opts.trial;
    this.monitor = opts.monitor;
  }

  override async onValidationEnd(trainer: TrainerView, _module: LightningModule): Promise<void> {
    if (trainer.sanityChecking) return;
    const value = metricGet(trainer.callbackMetrics, this.monitor);
    if (value === undefined) {
      emitWarning(
        `The metric '${this.monitor}' is not in the evaluation logs for pruning. Please make sure you set the correct metric name.`,
        true,
      );
      return;
    }
    const epoch = trainer.currentEpoch;
    await this.trial.report(value, epoch);
    if (await this.trial.shouldPrune()) throw new TrialPruned(`Trial was pruned at epoch ${epoch}.`);
  }
}
