/**
 * OneCycleLR: the 1cycle policy (warm up to max_lr, anneal far below the start), with momentum (or Adam's
 * beta1) cycled inversely. Unlike the others it is not chainable: each lr is computed from the phase
 * boundaries stored in the param groups (`initial_lr`, `max_lr`, `min_lr`, `max_momentum`, `base_momentum`).
 */
import { LRScheduler } from "./lr-scheduler.js";
import { formatParam, OptionReader } from "./options.js";
import type { StateReader } from "./state.js";
import { groupRecord, type SchedulableOptimizer, type SchedulerStateDict } from "./types.js";

/** Options of OneCycleLR (PyTorch's keyword names). */
export interface OneCycleLROptions {
  max_lr: number | number[];
  total_steps?: number | null;
  epochs?: number | null;
  steps_per_epoch?: number | null;
  pct_start?: number;
  anneal_strategy?: "cos" | "linear";
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
  div_factor?: number;
  final_div_factor?: number;
  three_phase?: boolean;
  last_epoch?: number;
}

/** One phase of the cycle, as PyTorch stores it in `_schedule_phases` (group keys to anneal between). */
export interface SchedulePhase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

const OPTION_KEYS = [
  "max_lr",
  "total_steps",
  "epochs",
  "steps_per_epoch",
  "pct_start",
  "anneal_strategy",
  "cycle_momentum",
  "base_momentum",
  "max_momentum",
  "div_factor",
  "final_div_factor",
  "three_phase",
  "last_epoch",
];

/** Cosine anneal from `start` to `end` as pct goes from 0 to 1 (PyTorch's `_annealing_cos`). */
function annealingCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

/** Linear anneal from `start` to `end` as pct goes from 0 to 1 (PyTorch's `_annealing_linear`). */
function annealingLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function phase(endStep: number, lr: [string, string], momentum: [string, string]): SchedulePhase {
  return {
    end_step: endStep,
    start_lr: lr[0],
    end_lr: lr[1],
    start_momentum: momentum[0],
    end_momentum: momentum[1],
  };
}

/** The 1cycle learning rate policy (PyTorch's OneCycleLR); call `step()` after every batch. */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: SchedulePhase[];
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  /** True when the optimizer has `betas` (Adam): beta1 is cycled instead of `momentum`. */
  useBeta1 = false;

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    super(optimizer, "OneCycleLR");
    const o = new OptionReader("OneCycleLR", options, OPTION_KEYS);
    if (!o.has("max_lr")) throw new TypeError("OneCycleLR: missing required option 'max_lr'");
    this.totalSteps = this.readTotalSteps(o);
    const pctStart = o.number("pct_start", 0.3);
    this.schedulePhases = o.bool("three_phase", false)
      ? [
          phase(pctStart * this.totalSteps - 1, ["initial_lr", "max_lr"], ["max_momentum", "base_momentum"]),
          phase(
            2 * pctStart * this.totalSteps - 2,
            ["max_lr", "initial_lr"],
            ["base_momentum", "max_momentum"],
          ),
          phase(this.totalSteps - 1, ["initial_lr", "min_lr"], ["max_momentum", "max_momentum"]),
        ]
      : [
          phase(pctStart * this.totalSteps - 1, ["initial_lr", "max_lr"], ["max_momentum", "base_momentum"]),
          phase(this.totalSteps - 1, ["max_lr", "min_lr"], ["base_momentum", "max_momentum"]),
        ];
    if (pctStart < 0 || pctStart > 1 || Number.isNaN(pctStart)) {
      throw o.valueError(`Expected float between 0 and 1 pct_start, but got ${pctStart}`);
    }
    const strategy = o.string("anneal_strategy", "cos");
    if (strategy !== "cos" && strategy !== "linear") {
      throw o.valueError(`anneal_strategy must be one of 'cos' or 'linear', instead got ${strategy}`);
    }
    this.annealStrategy = strategy;

    const lastEpoch = o.int("last_epoch", -1);
    const divFactor = o.number("div_factor", 25.0);
    const finalDivFactor = o.number("final_div_factor", 1e4);
    const maxLrs = formatParam("OneCycleLR", "max_lr", optimizer, o.numberOrList("max_lr", 0));
    const groups = optimizer.paramGroups.map(groupRecord);
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        group.initial_lr = maxLrs[i] / divFactor;
        group.max_lr = maxLrs[i];
        group.min_lr = (group.initial_lr as number) / finalDivFactor;
      });
    }

    this.cycleMomentum = o.bool("cycle_momentum", true);
    if (this.cycleMomentum) {
      const defaults = (optimizer.defaults ?? optimizer.paramGroups[0] ?? {}) as Record<string, unknown>;
      if (defaults.momentum === undefined && defaults.betas === undefined) {
        throw o.valueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
      }
      this.useBeta1 = defaults.betas !== undefined;
      const maxMomentums = formatParam(
        "OneCycleLR",
        "max_momentum",
        optimizer,
        o.numberOrList("max_momentum", 0.95),
      );
      const baseMomentums = formatParam(
        "OneCycleLR",
        "base_momentum",
        optimizer,
        o.numberOrList("base_momentum", 0.85),
      );
      if (lastEpoch === -1) {
        optimizer.paramGroups.forEach((group, i) => {
          this.setMomentum(i, maxMomentums[i]);
          groupRecord(group).max_momentum = maxMomentums[i];
          groupRecord(group).base_momentum = baseMomentums[i];
        });
      }
    }
    this.initialize(lastEpoch);
  }

  private readTotalSteps(o: OptionReader): number {
    if (o.has("total_steps")) {
      const total = o.number("total_steps", 0);
      if (!(total > 0) || !Number.isInteger(total)) {
        throw o.valueError(`Expected positive integer total_steps, but got ${total}`);
      }
      return total;
    }
    if (o.has("epochs") && o.has("steps_per_epoch")) {
      const epochs = o.number("epochs", 0);
      const perEpoch = o.number("steps_per_epoch", 0);
      if (!Number.isInteger(epochs) || epochs <= 0) {
        throw o.valueError(`Expected positive integer epochs, but got ${epochs}`);
      }
      if (!Number.isInteger(perEpoch) || perEpoch <= 0) {
        throw o.valueError(`Expected positive integer steps_per_epoch, but got ${perEpoch}`);
      }
      return epochs * perEpoch;
    }
    throw o.valueError("You must define either total_steps OR (epochs AND steps_per_epoch)");
  }

  /** Write the cycled momentum: `momentum`, or the first of `betas` (a new array, as PyTorch builds a tuple). */
  private setMomentum(index: number, value: number): void {
    const group = this.optimizer.paramGroups[index];
    if (this.useBeta1) group.betas = [value, ...(group.betas ?? []).slice(1)];
    else group.momentum = value;
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === "cos" ? annealingCos(start, end, pct) : annealingLinear(start, end, pct);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(
        `OneCycleLR: Tried to step ${stepNum} times. The specified number of total steps is ${this.totalSteps}`,
      );
    }
    const last = this.schedulePhases.length - 1;
    return this.optimizer.paramGroups.map((_, index) => {
      let startStep = 0.0;
      for (let i = 0; i <= last; i++) {
        const { end_step: endStep, ...keys } = this.schedulePhases[i];
        if (stepNum <= endStep || i === last) {
          if (endStep === startStep) {
            throw new RangeError(
              `OneCycleLR: phase ${i} has no steps (float division by zero in PyTorch); ` +
                `raise total_steps or pct_start`,
            );
          }
          const pct = (stepNum - startStep) / (endStep - startStep);
          const lr = this.anneal(
            this.groupNumber(index, keys.start_lr),
            this.groupNumber(index, keys.end_lr),
            pct,
          );
          if (this.cycleMomentum) {
            const start = this.groupNumber(index, keys.start_momentum);
            this.setMomentum(index, this.anneal(start, this.groupNumber(index, keys.end_momentum), pct));
          }
          return lr;
        }
        startStep = endStep;
      }
      throw new Error("OneCycleLR: no schedule phases");
    });
  }

  protected hyperState(): SchedulerStateDict {
    return {
      total_steps: this.totalSteps,
      _schedule_phases: this.schedulePhases.map((p) => ({ ...p })),
      _anneal_func_type: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
      ...(this.cycleMomentum ? { use_beta1: this.useBeta1 } : {}),
    };
  }

  protected loadHyperState(reader: StateReader): void {
    this.totalSteps = reader.number("total_steps") ?? this.totalSteps;
    this.schedulePhases = readPhases(reader) ?? this.schedulePhases;
    this.annealStrategy =
      reader.choice("_anneal_func_type", ["cos", "linear"] as const) ?? this.annealStrategy;
    this.cycleMomentum = reader.bool("cycle_momentum") ?? this.cycleMomentum;
    this.useBeta1 = reader.bool("use_beta1") ?? this.useBeta1;
  }
}

function readPhases(reader: StateReader): SchedulePhase[] | undefined {
  const value = reader.raw("_schedule_phases");
  if (value === undefined) return undefined;
  const expected = "a list of {end_step, start_lr, end_lr, start_momentum, end_momentum}";
  if (!Array.isArray(value) || value.length === 0) throw reader.error("_schedule_phases", expected, value);
  return value.map((p) => {
    const ok =
      typeof p === "object" &&
      p !== null &&
      typeof p.end_step === "number" &&
      ["start_lr", "end_lr", "start_momentum", "end_momentum"].every((k) => typeof p[k] === "string");
    if (!ok) throw reader.error("_schedule_phases", expected, value);
    return phase(p.end_step, [p.start_lr, p.end_lr], [p.start_momentum, p.end_momentum]);
  });
}
