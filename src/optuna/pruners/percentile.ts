/**
 * PercentilePruner and MedianPruner as Optuna defines them: prune when the trial's best intermediate value so
 * far is worse than the given percentile of the COMPLETE trials' values at the same step, after `nStartupTrials`
 * complete trials and `nWarmupSteps` steps, at most once per `intervalSteps`.
 */
import { type FrozenTrial, TrialState } from "../frozen-trial.js";
import { nanPercentile } from "../math/numpy.js";
import { StudyDirection } from "../storages/storage.js";
import type { Study } from "../study.js";
import type { Pruner } from "./pruner.js";

/** Options of PercentilePruner and MedianPruner (Optuna's names in camelCase). */
export interface PercentilePrunerOptions {
  nStartupTrials?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
  nMinTrials?: number;
}

function isFirstInIntervalStep(
  step: number,
  steps: Iterable<number>,
  warmup: number,
  interval: number,
): boolean {
  const nearestLower = Math.floor((step - warmup) / interval) * interval + warmup;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLower;
}

/** Prunes trials below a percentile of the others at the same step. */
export class PercentilePruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(percentile: number, opts: PercentilePrunerOptions = {}) {
    this.percentile = percentile;
    this.nStartupTrials = opts.nStartupTrials ?? 5;
    this.nWarmupSteps = opts.nWarmupSteps ?? 0;
    this.intervalSteps = opts.intervalSteps ?? 1;
    this.nMinTrials = opts.nMinTrials ?? 1;
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new RangeError(
        `Percentile must be between 0 and 100 inclusive, but got percentile=${percentile}.`,
      );
    }
    if (this.nStartupTrials < 0) {
      throw new RangeError(
        `Number of startup trials cannot be negative, but got n_startup_trials=${this.nStartupTrials}.`,
      );
    }
    if (this.nWarmupSteps < 0) {
      throw new RangeError(
        `Number of warmup steps cannot be negative, but got n_warmup_steps=${this.nWarmupSteps}.`,
      );
    }
    if (this.intervalSteps < 1) {
      throw new RangeError(
        `Pruning interval steps must be at least 1, but got interval_steps=${this.intervalSteps}.`,
      );
    }
    if (this.nMinTrials < 1) {
      throw new RangeError(
        `Number of trials for pruning must be at least 1, but got n_min_trials=${this.nMinTrials}.`,
      );
    }
  }

  prune(study: Study, trial: FrozenTrial): boolean {
    const complete = study.getTrials([TrialState.COMPLETE]);
    if (complete.length === 0 || complete.length < this.nStartupTrials) return false;
    const step = trial.lastStep;
    if (step === null || step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial.intermediateValues.keys(), this.nWarmupSteps, this.intervalSteps))
      return false;
    const maximize = study.direction === StudyDirection.MAXIMIZE;
    const own = [...trial.intermediateValues.values()].filter((v) => !Number.isNaN(v));
    if (own.length === 0) return true;
    const best = maximize ? Math.max(...own) : Math.min(...own);
    const atStep = complete
      .filter((t) => t.intermediateValues.has(step))
      .map((t) => t.intermediateValues.get(step)!);
    if (atStep.length < this.nMinTrials) return false;
    const p = nanPercentile(atStep, maximize ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? best < p : best > p;
  }
}

/** Prunes trials whose best intermediate value is worse than the median of the others at the same step. */
export class MedianPruner extends PercentilePruner {
  constructor(opts: PercentilePrunerOptions = {}) {
    super(50.0, opts);
  }
}
