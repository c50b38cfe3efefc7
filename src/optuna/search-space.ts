/**
 * The search spaces TPE samples jointly (Optuna's `search_space`): the intersection of the distributions of
 * finished trials (incrementally, from the last trial seen), and its decomposition into groups of parameters
 * that always appear together.
 */
import { type Distribution, distributionsEqual } from "./distributions.js";
import { isFinished, TrialState } from "./frozen-trial.js";
import type { Study } from "./study.js";

function sortedByName(space: Record<string, Distribution>): Record<string, Distribution> {
  return Object.fromEntries(Object.entries(space).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The parameters every finished trial has, with the same distribution, sorted by name. */
export class IntersectionSearchSpace {
  private cachedNumber = -1;
  private space: Record<string, Distribution> | null = null;
  private studyId: number | null = null;

  constructor(private readonly includePruned = false) {}

  calculate(study: Study, useCache = false): Record<string, Distribution> {
    if (this.studyId === null) this.studyId = study.studyId;
    else if (this.studyId !== study.studyId)
      throw new Error("`IntersectionSearchSpace` cannot handle multiple studies.");
    const states = [TrialState.COMPLETE, TrialState.WAITING, TrialState.RUNNING];
    if (this.includePruned) states.push(TrialState.PRUNED);
    const trials = study.sharedTrials(null, useCache);
    let next = -1;
    for (let i = trials.length - 1; i >= 0; i--) {
      const t = trials[i];
      if (!states.includes(t.state)) continue;
      if (next === -1) next = t.number + 1;
      if (this.cachedNumber > t.number) break;
      if (!isFinished(t.state)) {
        next = t.number;
        continue;
      }
      if (this.space === null) {
        this.space = { ...t.distributions };
        continue;
      }
      const space = this.space;
      this.space = Object.fromEntries(
        Object.entries(space).filter(
          ([k, d]) => t.distributions[k] !== undefined && distributionsEqual(t.distributions[k], d),
        ),
      );
    }
    this.cachedNumber = next;
    return sortedByName(this.space ?? {});
  }
}

/** Groups of parameters (a partition) such that each finished trial has each group entirely or not at all. */
export class SearchSpaceGroup {
  searchSpaces: Record<string, Distribution>[] = [];

  addDistributions(distributions: Record<string, Distribution>): void {
    let keys = new Set(Object.keys(distributions));
    const next: Record<string, Distribution>[] = [];
    for (const space of this.searchSpaces) {
      const own = Object.keys(space);
      next.push(Object.fromEntries(own.filter((k) => keys.has(k)).map((k) => [k, space[k]])));
      next.push(Object.fromEntries(own.filter((k) => !keys.has(k)).map((k) => [k, space[k]])));
      keys = new Set([...keys].filter((k) => !own.includes(k)));
    }
    next.push(Object.fromEntries([...keys].map((k) => [k, distributions[k]])));
    this.searchSpaces = next.filter((s) => Object.keys(s).length > 0);
  }
}

/** The group decomposition over the study's COMPLETE (and optionally PRUNED) trials. */
export class GroupDecomposedSearchSpace {
  private readonly group = new SearchSpaceGroup();
  private studyId: number | null = null;

  constructor(private readonly includePruned = false) {}

  calculate(study: Study, useCache = false): SearchSpaceGroup {
    if (this.studyId === null) this.studyId = study.studyId;
    else if (this.studyId !== study.studyId) {
      throw new Error("`_GroupDecomposedSearchSpace` cannot handle multiple studies.");
    }
    const states = this.includePruned ? [TrialState.COMPLETE, TrialState.PRUNED] : [TrialState.COMPLETE];
    for (const t of study.sharedTrials(states, useCache)) this.group.addDistributions(t.distributions);
    const copy = new SearchSpaceGroup();
    copy.searchSpaces = this.group.searchSpaces.map((s) => ({ ...s }));
    return copy;
  }
}
