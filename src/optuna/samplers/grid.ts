/**
 * GridSampler as Optuna defines it: the cartesian product of the given values (parameters sorted by name),
 * shuffled once with the seed (0 when none); trial n takes grid point n while the grid lasts, later trials a
 * random unvisited point; the study stops once every point ran. The grid point is kept in the trial's system
 * attributes (`grid_id`, `search_space`) so that parallel workers and resumed studies share it.
 */
import type { Distribution } from "../distributions.js";
import { type FrozenTrial, isFinished, type ParamValue, TrialState } from "../frozen-trial.js";
import { warn } from "../logging.js";
import { RandomState } from "../random-state.js";
import type { Study } from "../study.js";
import type { Sampler } from "./sampler.js";

/** A value a grid may hold. */
export type GridValue = string | number | boolean | null;

function same(a: GridValue, b: GridValue): boolean {
  return a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b));
}

/** Runs every point of a grid once, in a seeded random order. */
export class GridSampler implements Sampler {
  readonly pyName = "GridSampler";
  readonly searchSpace: Record<string, GridValue[]>;
  private readonly grids: GridValue[][];
  private readonly names: string[];
  private readonly rng: RandomState;

  constructor(searchSpace: Record<string, readonly GridValue[]>, opts: { seed?: number | null } = {}) {
    const names = Object.keys(searchSpace).sort();
    this.searchSpace = Object.fromEntries(names.map((n) => [n, [...searchSpace[n]]]));
    this.names = names;
    let grids: GridValue[][] = [[]];
    for (const n of names) grids = grids.flatMap((g) => this.searchSpace[n].map((v) => [...g, v]));
    this.grids = grids;
    this.rng = new RandomState(opts.seed || 0);
    this.rng.shuffle(this.grids);
  }

  /** The number of grid points. */
  get size(): number {
    return this.grids.length;
  }

  reseedRng(): void {
    this.rng.seed();
  }

  beforeTrial(study: Study, trial: FrozenTrial): void {
    if ("grid_id" in trial.systemAttrs || "fixed_params" in trial.systemAttrs) return;
    let gridId: number;
    if (trial.number >= 0 && trial.number < this.grids.length) gridId = trial.number;
    else {
      let targets = this.unvisited(study);
      if (targets.length === 0) {
        warn(
          "`GridSampler` is re-evaluating a configuration because the grid has been exhausted. This may happen due to a timing issue during distributed optimization or when re-running optimizations on already finished studies.",
        );
        targets = this.grids.map((_, i) => i);
      }
      gridId = targets[this.rng.randint(targets.length)];
    }
    study.storage.setTrialSystemAttr(trial.trialId, "search_space", this.searchSpace);
    study.storage.setTrialSystemAttr(trial.trialId, "grid_id", gridId);
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  sampleIndependent(_study: Study, trial: FrozenTrial, name: string, d: Distribution): ParamValue {
    if (!("grid_id" in trial.systemAttrs)) {
      throw new Error("All parameters must be specified when using GridSampler with enqueue_trial.");
    }
    const index = this.names.indexOf(name);
    if (index < 0) throw new Error(`The parameter name, ${name}, is not found in the given grid.`);
    const value = this.grids[trial.systemAttrs.grid_id as number][index];
    if (!d.contains(d.toInternal(value))) {
      warn(
        `The value \`${String(value)}\` is out of range of the parameter \`${name}\`. The value will be used but the actual distribution is: \`${String(d)}\`.`,
      );
    }
    return value;
  }

  afterTrial(study: Study, trial: FrozenTrial): void {
    const targets = this.unvisited(study);
    if (targets.length === 0) study.stop();
    else if (targets.length === 1) {
      const gridId = study.storage.getTrial(trial.trialId).systemAttrs.grid_id;
      if (gridId === targets[0]) study.stop();
    }
  }

  /** True when every grid point has run. */
  isExhausted(study: Study): boolean {
    return this.unvisited(study).length === 0;
  }

  private sameSpace(space: unknown): boolean {
    if (typeof space !== "object" || space === null) return false;
    const s = space as Record<string, GridValue[]>;
    const keys = Object.keys(s);
    if (keys.length !== this.names.length || !keys.every((k) => k in this.searchSpace)) return false;
    return keys.every(
      (k) =>
        s[k].length === this.searchSpace[k].length && s[k].every((v, i) => same(v, this.searchSpace[k][i])),
    );
  }

  private unvisited(study: Study): number[] {
    const visited = new Set<number>();
    const running = new Set<number>();
    for (const t of study.storage.getAllTrials(study.studyId)) {
      if (!("grid_id" in t.systemAttrs) || !this.sameSpace(t.systemAttrs.search_space)) continue;
      const id = t.systemAttrs.grid_id as number;
      if (isFinished(t.state)) visited.add(id);
      else if (t.state === TrialState.RUNNING) running.add(id);
    }
    let out = this.grids.map((_, i) => i).filter((i) => !visited.has(i) && !running.has(i));
    if (out.length === 0) out = this.grids.map((_, i) => i).filter((i) => !visited.has(i));
    return out;
  }
}
