/** A trial's recorded state (Optuna's FrozenTrial and TrialState). */
import type { CategoricalChoice, Distribution } from "./distributions.js";

/** Optuna's TrialState, with its integer codes (the journal stores them). */
export enum TrialState {
  RUNNING = 0,
  COMPLETE = 1,
  PRUNED = 2,
  FAIL = 3,
  WAITING = 4,
}

/** True for COMPLETE, PRUNED and FAIL. */
export function isFinished(state: TrialState): boolean {
  return state === TrialState.COMPLETE || state === TrialState.PRUNED || state === TrialState.FAIL;
}

/** A parameter value as Optuna returns it (external representation). */
export type ParamValue = CategoricalChoice;

/** Everything stored about one trial. */
export class FrozenTrial {
  constructor(
    /** The storage's id (unique across the studies of a storage). */
    public trialId: number,
    /** The trial's number within its study, from 0. */
    public number: number,
    public state: TrialState,
    public values: number[] | null,
    public datetimeStart: Date | null,
    public datetimeComplete: Date | null,
    public params: Record<string, ParamValue> = {},
    public distributions: Record<string, Distribution> = {},
    public userAttrs: Record<string, unknown> = {},
    public systemAttrs: Record<string, unknown> = {},
    public intermediateValues: Map<number, number> = new Map(),
  ) {}

  /** The single objective value (an error for multi-objective trials). */
  get value(): number | null {
    if (this.values === null) return null;
    if (this.values.length > 1) {
      throw new Error("This attribute is not available during multi-objective optimization.");
    }
    return this.values[0];
  }

  /** The highest step reported, or null. */
  get lastStep(): number | null {
    let last: number | null = null;
    for (const step of this.intermediateValues.keys()) if (last === null || step > last) last = step;
    return last;
  }

  /** Wall time from start to completion in seconds, or null. */
  get duration(): number | null {
    if (this.datetimeStart === null || this.datetimeComplete === null) return null;
    return (this.datetimeComplete.getTime() - this.datetimeStart.getTime()) / 1000;
  }

  /** A copy with its own containers (their values shared), for copy-on-write updates. */
  shallowCopy(): FrozenTrial {
    return new FrozenTrial(
      this.trialId,
      this.number,
      this.state,
      this.values,
      this.datetimeStart,
      this.datetimeComplete,
      { ...this.params },
      { ...this.distributions },
      { ...this.userAttrs },
      { ...this.systemAttrs },
      new Map(this.intermediateValues),
    );
  }

  /** A deep copy. */
  clone(): FrozenTrial {
    return new FrozenTrial(
      this.trialId,
      this.number,
      this.state,
      this.values === null ? null : [...this.values],
      this.datetimeStart,
      this.datetimeComplete,
      { ...this.params },
      { ...this.distributions },
      structuredClone(this.userAttrs),
      structuredClone(this.systemAttrs),
      new Map(this.intermediateValues),
    );
  }
}
