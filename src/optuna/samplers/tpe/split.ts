/**
 * How TPE divides the trials into the good ones ("below", modelled by l(x)) and the rest ("above", g(x)), and
 * Optuna's default gamma and weights. COMPLETE trials are ranked by value (by non-domination rank, ties broken
 * by hypervolume contribution, for several objectives), then PRUNED ones by how far they got and how well;
 * RUNNING trials (the constant liar) always count as bad.
 */
import { type FrozenTrial, TrialState } from "../../frozen-trial.js";
import { linspace } from "../../math/numpy.js";
import { nonDominationRank, referencePoint, solveHssp } from "../../multi-objective.js";
import { StudyDirection } from "../../storages/storage.js";
import type { Study } from "../../study.js";

/** Optuna's default gamma: 10% of the trials, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** The default gamma for several objectives: 10% of the trials. */
export function defaultGammaMultiobjective(n: number): number {
  return Math.ceil(0.1 * n);
}

/** hyperopt's gamma: a quarter of sqrt(n), at most 25. */
export function hyperoptDefaultGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * n ** 0.5), 25);
}

/** Optuna's default weights: uniform for fewer than 25 trials, else a ramp up to 1 over all but the last 25. */
export function defaultWeights(n: number): Float64Array {
  if (n === 0) return new Float64Array(0);
  if (n < 25) return new Float64Array(n).fill(1);
  const out = new Float64Array(n);
  out.set(linspace(1.0 / n, 1.0, n - 25));
  out.fill(1, n - 25);
  return out;
}

const byNumber = (a: FrozenTrial, b: FrozenTrial): number => a.number - b.number;

/** Ascending order that also handles infinities (a - b would give NaN for inf - inf). */
const cmp = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

function splitCompleteSingle(
  trials: FrozenTrial[],
  study: Study,
  nBelow: number,
): [FrozenTrial[], FrozenTrial[]] {
  const sign = study.direction === StudyDirection.MINIMIZE ? 1 : -1;
  const indexed = trials.map((t, i) => ({ t, i }));
  indexed.sort((x, y) => sign * cmp(x.t.value!, y.t.value!) || x.i - y.i);
  const sorted = indexed.map((x) => x.t);
  return [sorted.slice(0, nBelow), sorted.slice(nBelow)];
}

function splitCompleteMulti(
  trials: FrozenTrial[],
  study: Study,
  nBelow: number,
): [FrozenTrial[], FrozenTrial[]] {
  if (nBelow === 0) return [[], [...trials]];
  if (nBelow === trials.length) return [[...trials], []];
  const lvals = trials.map((t) =>
    t.values!.map((v, k) => (study.directions[k] === StudyDirection.MAXIMIZE ? -v : v)),
  );
  const ranks = nonDominationRank(lvals, nBelow);
  const rankValues = [...new Set(ranks)].sort((a, b) => a - b);
  let cumulative = 0;
  let lastRank = -1;
  for (const r of rankValues) {
    cumulative += ranks.filter((x) => x === r).length;
    if (cumulative <= nBelow) lastRank = Math.max(lastRank, r);
  }
  let below = ranks.map((r, i) => (r <= lastRank ? i : -1)).filter((i) => i >= 0);
  if (below.length < nBelow) {
    const tie = ranks.map((r, i) => (r === lastRank + 1 ? i : -1)).filter((i) => i >= 0);
    const tieLoss = tie.map((i) => lvals[i]);
    below = [...below, ...solveHssp(tieLoss, tie, nBelow - below.length, referencePoint(tieLoss))];
  }
  const chosen = new Set(below);
  return [trials.filter((_, i) => chosen.has(i)), trials.filter((_, i) => !chosen.has(i))];
}

function prunedScore(trial: FrozenTrial, study: Study): [number, number] {
  const step = trial.lastStep;
  if (step === null) return [1, 0.0];
  const value = trial.intermediateValues.get(step)!;
  if (Number.isNaN(value)) return [-step, Number.POSITIVE_INFINITY];
  return study.direction === StudyDirection.MINIMIZE ? [-step, value] : [-step, -value];
}

/** The COMPLETE trials split by quality (Optuna's `_split_complete_trials`). */
export function splitCompleteTrials(
  trials: FrozenTrial[],
  study: Study,
  nBelow: number,
): [FrozenTrial[], FrozenTrial[]] {
  const n = Math.min(nBelow, trials.length);
  return study.directions.length <= 1
    ? splitCompleteSingle(trials, study, n)
    : splitCompleteMulti(trials, study, n);
}

/** Divides trials into `nBelow` good ones and the rest, each sorted by number (Optuna's `_split_trials`). */
export function splitTrials(
  study: Study,
  trials: readonly FrozenTrial[],
  nBelow: number,
): [FrozenTrial[], FrozenTrial[]] {
  const complete: FrozenTrial[] = [];
  const pruned: FrozenTrial[] = [];
  const running: FrozenTrial[] = [];
  for (const t of trials) {
    if (t.state === TrialState.RUNNING) running.push(t);
    else if (t.state === TrialState.COMPLETE) complete.push(t);
    else if (t.state === TrialState.PRUNED) pruned.push(t);
    else throw new Error(`unexpected trial state ${TrialState[t.state]} in the TPE split`);
  }
  const [belowComplete, aboveComplete] = splitCompleteTrials(complete, study, nBelow);
  const rest = Math.max(0, nBelow - belowComplete.length);
  const scored = pruned.map((t, i) => ({ t, i, s: prunedScore(t, study) }));
  scored.sort((x, y) => cmp(x.s[0], y.s[0]) || cmp(x.s[1], y.s[1]) || x.i - y.i);
  const sortedPruned = scored.map((x) => x.t);
  const nPruned = Math.min(rest, sortedPruned.length);
  const below = [...belowComplete, ...sortedPruned.slice(0, nPruned)].sort(byNumber);
  const above = [...aboveComplete, ...sortedPruned.slice(nPruned), ...running].sort(byNumber);
  return [below, above];
}
