/**
 * HyperbandPruner as Optuna defines it: several successive-halving brackets with different early-stopping
 * rates; each trial belongs to one bracket, chosen by crc32("<study>_<number>") against the brackets' trial
 * budgets, and competes (and is sampled) only against the trials of its bracket.
 */
import { crc32 } from "node:zlib";
import { type FrozenTrial, TrialState } from "../frozen-trial.js";
import type { Study } from "../study.js";
import type { Pruner } from "./pruner.js";
import { SuccessiveHalvingPruner } from "./successive-halving.js";

/** Options of HyperbandPruner (Optuna's names in camelCase). */
export interface HyperbandOptions {
  minResource?: number;
  maxResource?: number | "auto";
  reductionFactor?: number;
  bootstrapCount?: number;
}

/** Hyperband over successive-halving brackets. */
export class HyperbandPruner implements Pruner {
  readonly minResource: number;
  private maxResource: number | "auto";
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  private readonly pruners: SuccessiveHalvingPruner[] = [];
  private totalBudget = 0;
  private readonly budgets: number[] = [];
  private nBrackets: number | null = null;

  constructor(opts: HyperbandOptions = {}) {
    this.minResource = opts.minResource ?? 1;
    this.maxResource = opts.maxResource ?? "auto";
    this.reductionFactor = opts.reductionFactor ?? 3;
    this.bootstrapCount = opts.bootstrapCount ?? 0;
    if (typeof this.maxResource !== "number" && this.maxResource !== "auto") {
      throw new RangeError(
        `The 'max_resource' should be integer or 'auto'. But max_resource = ${String(this.maxResource)}`,
      );
    }
    if (this.bootstrapCount > 0 && this.maxResource === "auto") {
      throw new RangeError(
        `bootstrap_count > 0 and max_resource == 'auto' are mutually incompatible, bootstrap_count is ${this.bootstrapCount}`,
      );
    }
  }

  prune(study: Study, trial: FrozenTrial): boolean {
    if (this.pruners.length === 0) {
      this.initialize(study);
      if (this.pruners.length === 0) return false;
    }
    const bracket = this.bracketOf(study.studyName, trial.number);
    return this.pruners[bracket].prune(study.filteredFor(trial), trial);
  }

  peersOf(study: Study, trial: FrozenTrial): ((other: FrozenTrial) => boolean) | null {
    if (this.pruners.length === 0) return null;
    const bracket = this.bracketOf(study.studyName, trial.number);
    return (other) => this.bracketOf(study.studyName, other.number) === bracket;
  }

  private initialize(study: Study): void {
    if (this.maxResource === "auto") {
      const steps = study
        .sharedTrials([TrialState.COMPLETE])
        .filter((t) => t.lastStep !== null)
        .map((t) => t.lastStep!);
      if (steps.length === 0) return;
      this.maxResource = Math.max(...steps) + 1;
    }
    this.nBrackets ??=
      Math.floor(Math.log(this.maxResource / this.minResource) / Math.log(this.reductionFactor)) + 1;
    for (let b = 0; b < this.nBrackets; b++) {
      const s = this.nBrackets - 1 - b;
      const budget = Math.ceil((this.nBrackets * this.reductionFactor ** s) / (s + 1));
      this.totalBudget += budget;
      this.budgets.push(budget);
      this.pruners.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: b,
          bootstrapCount: this.bootstrapCount,
        }),
      );
    }
  }

  private bracketOf(studyName: string, number: number): number {
    if (this.pruners.length === 0) return 0;
    let n = crc32(Buffer.from(`${studyName}_${number}`, "utf8")) % this.totalBudget;
    for (let b = 0; b < this.nBrackets!; b++) {
      n -= this.budgets[b];
      if (n < 0) return b;
    }
    throw new Error("unreachable: the bracket budgets cover every trial");
  }
}
