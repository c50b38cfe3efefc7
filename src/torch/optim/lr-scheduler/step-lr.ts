/** StepLR and MultiStepLR: decay by gamma every `step_size` steps, or at given milestones. */
import { LRScheduler } from "./lr-scheduler.js";
import { OptionReader } from "./options.js";
import type { StateReader } from "./state.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "./types.js";

/** Options of StepLR (PyTorch's keyword names). */
export interface StepLROptions {
  step_size: number;
  gamma?: number;
  last_epoch?: number;
}

/** Decays each group's lr by `gamma` every `step_size` steps (PyTorch's StepLR). */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    super(optimizer, "StepLR");
    const o = new OptionReader("StepLR", options, ["step_size", "gamma", "last_epoch"]);
    if (!o.has("step_size")) throw new TypeError("StepLR: missing required option 'step_size'");
    this.stepSize = o.int("step_size", 0);
    if (this.stepSize <= 0) throw o.valueError(`step_size must be a positive integer, got ${this.stepSize}`);
    this.gamma = o.number("gamma", 0.1);
    this.initialize(o.int("last_epoch", -1));
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    const decays = Math.floor(this.lastEpoch / this.stepSize);
    return this.baseLrs.map((base) => base * this.gamma ** decays);
  }

  protected hyperState(): SchedulerStateDict {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected loadHyperState(reader: StateReader): void {
    this.stepSize = reader.number("step_size") ?? this.stepSize;
    this.gamma = reader.number("gamma") ?? this.gamma;
  }
}

/** Options of MultiStepLR (PyTorch's keyword names). */
export interface MultiStepLROptions {
  milestones: number[];
  gamma?: number;
  last_epoch?: number;
}

/** Python's `Counter(milestones)` from a state dict: `{ "3": 1, "7": 2 }`, or a plain list of milestones. */
function readMilestones(reader: StateReader): Map<number, number> | undefined {
  const value = reader.raw("milestones");
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) {
    throw reader.error("milestones", "a milestone -> count object (Python Counter)", value);
  }
  const counts = new Map<number, number>();
  const entries: [unknown, unknown][] = Array.isArray(value)
    ? value.map((m) => [m, 1])
    : Object.entries(value);
  for (const [key, count] of entries) {
    const milestone = Number(key);
    if (!Number.isInteger(milestone) || typeof count !== "number" || !Number.isInteger(count)) {
      throw reader.error("milestones", "a milestone -> count object (Python Counter)", value);
    }
    counts.set(milestone, (counts.get(milestone) ?? 0) + count);
  }
  return counts;
}

/** Decays each group's lr by `gamma` when the step reaches a milestone (PyTorch's MultiStepLR). */
export class MultiStepLR extends LRScheduler {
  /** Milestone -> how many times it was listed (PyTorch keeps a Counter: a repeated milestone decays twice). */
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions) {
    super(optimizer, "MultiStepLR");
    const o = new OptionReader("MultiStepLR", options, ["milestones", "gamma", "last_epoch"]);
    if (!o.has("milestones")) throw new TypeError("MultiStepLR: missing required option 'milestones'");
    this.milestones = new Map();
    for (const m of o.intList("milestones", [])) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = o.number("gamma", 0.1);
    this.initialize(o.int("last_epoch", -1));
  }

  protected getLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    // bisect_right over the sorted milestones (with repeats) = how many are <= lastEpoch.
    let passed = 0;
    for (const [milestone, count] of this.milestones) if (milestone <= this.lastEpoch) passed += count;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }

  protected hyperState(): SchedulerStateDict {
    const milestones: Record<string, number> = {};
    for (const [m, count] of this.milestones) milestones[String(m)] = count;
    return { milestones, gamma: this.gamma };
  }

  protected loadHyperState(reader: StateReader): void {
    this.milestones = readMilestones(reader) ?? this.milestones;
    this.gamma = reader.number("gamma") ?? this.gamma;
  }
}
