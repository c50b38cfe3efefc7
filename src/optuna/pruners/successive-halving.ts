/**
 * SuccessiveHalvingPruner (asynchronous successive halving) as Optuna defines it: a trial reaching the step of
 * its next rung (min_resource * reduction_factor ** (min_early_stopping_rate + rung)) records its value in the
 * trial's system attributes (`completed_rung_<n>`) and continues only when it is in the top 1/reduction_factor
 * of the values recorded for that rung so far.
 */
import { type FrozenTrial, TrialState } from "../frozen-trial.js";
import { StudyDirection } from "../storages/storage.js";
import type { Study } from "../study.js";
import type { Pruner } from "./pruner.js";

/** Options of SuccessiveHalvingPruner (Optuna's names in camelCase). */
export interface SuccessiveHalvingOptions {
  minResource?: number | "auto";
  reductionFactor?: number;
  minEarlyStoppingRate?: number;
  bootstrapCount?: number;
}

const rungKey = (rung: number): string => `completed_rung_${rung}`;

function currentRung(trial: FrozenTrial): number {
  let rung = 0;
  while (rungKey(rung) in trial.systemAttrs) rung += 1;
  return rung;
}

function estimateMinResource(trials: FrozenTrial[]): number | null {
  const steps = trials
    .filter((t) => t.state === TrialState.COMPLETE && t.lastStep !== null)
    .map((t) => t.lastStep!);
  if (steps.length === 0) return null;
  return Math.max(Math.floor(Math.max(...steps) / 100), 1);
}

function promotable(value: number, competing: number[], factor: number, direction: StudyDirection): boolean {
  let idx = Math.floor(competing.length / factor) - 1;
  if (idx === -1) idx = 0;
  competing.sort((a, b) => a - b);
  if (direction === StudyDirection.MAXIMIZE) return value >= competing[competing.length - (idx + 1)];
  return value <= competing[idx];
}

/** Asynchronous successive halving. */
export class SuccessiveHalvingPruner implements Pruner {
  private minResource: number | null;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;

  constructor(opts: SuccessiveHalvingOptions = {}) {
    const min = opts.minResource ?? "auto";
    this.reductionFactor = opts.reductionFactor ?? 4;
    this.minEarlyStoppingRate = opts.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = opts.bootstrapCount ?? 0;
    if (typeof min === "string" && min !== "auto") {
      throw new RangeError(
        `The value of \`min_resource\` is ${min}, but must be either \`min_resource\` >= 1 or 'auto'`,
      );
    }
    if (typeof min === "number" && min < 1) {
      throw new RangeError(
        `The value of \`min_resource\` is ${min}, but must be either \`min_resource >= 1\` or 'auto'`,
      );
    }
    if (this.reductionFactor < 2) {
      throw new RangeError(
        `The value of \`reduction_factor\` is ${this.reductionFactor}, but must be \`reduction_factor >= 2\``,
      );
    }
    if (this.minEarlyStoppingRate < 0) {
      throw new RangeError(
        `The value of \`min_early_stopping_rate\` is ${this.minEarlyStoppingRate}, but must be \`min_early_stopping_rate >= 0\``,
      );
    }
    if (this.bootstrapCount < 0) {
      throw new RangeError(
        `The value of \`bootstrap_count\` is ${this.bootstrapCount}, but must be \`bootstrap_count >= 0\``,
      );
    }
    if (this.bootstrapCount > 0 && min === "auto") {
      throw new RangeError(
        `bootstrap_count > 0 and min_resource == 'auto' are mutually incompatible, bootstrap_count is ${this.bootstrapCount}`,
      );
    }
    this.minResource = typeof min === "number" ? min : null;
  }

  prune(study: Study, trial: FrozenTrial): boolean {
    const step = trial.lastStep;
    if (step === null) return false;
    let rung = currentRung(trial);
    const value = trial.intermediateValues.get(step)!;
    let trials: FrozenTrial[] | null = null;
    for (;;) {
      if (this.minResource === null) {
        trials ??= study.getTrials();
        this.minResource = estimateMinResource(trials);
        if (this.minResource === null) return false;
      }
      const promotionStep = this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (step < promotionStep) return false;
      if (Number.isNaN(value)) return true;
      trials ??= study.getTrials();
      const key = rungKey(rung);
      study.storage.setTrialSystemAttr(trial.trialId, key, value);
      const competing = trials.filter((t) => key in t.systemAttrs).map((t) => t.systemAttrs[key] as number);
      competing.push(value);
      if (competing.length <= this.bootstrapCount) return true;
      if (!promotable(value, competing, this.reductionFactor, study.direction)) return true;
      rung += 1;
    }
  }
}
