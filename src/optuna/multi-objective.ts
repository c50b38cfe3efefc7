/**
 * Multi-objective helpers as Optuna 5.0 defines them: the Pareto front, non-domination ranks (for TPE's split
 * of good and bad trials), hypervolume, and the greedy hypervolume subset selection that breaks ties in that
 * split. Loss values are minimised (maximised objectives are negated first).
 */
import type { FrozenTrial } from "./frozen-trial.js";
import { TrialState } from "./frozen-trial.js";
import { StudyDirection } from "./storages/storage.js";

const EPS = 1e-12;

function lexCompare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** `np.unique(rows, axis=0, return_index, return_inverse)`: sorted unique rows, first index and inverse. */
export function uniqueRows(rows: readonly number[][]): {
  unique: number[][];
  first: number[];
  inverse: number[];
} {
  const order = rows.map((_, i) => i).sort((i, j) => lexCompare(rows[i], rows[j]) || i - j);
  const unique: number[][] = [];
  const first: number[] = [];
  const inverse = new Array<number>(rows.length);
  for (const i of order) {
    if (unique.length === 0 || lexCompare(unique[unique.length - 1], rows[i]) !== 0) {
      unique.push(rows[i]);
      first.push(i);
    }
    inverse[i] = unique.length - 1;
  }
  return { unique, first, inverse };
}

/** Which of unique, lexicographically sorted loss rows are non-dominated. */
function paretoFrontSorted(rows: readonly number[][]): boolean[] {
  const n = rows.length;
  if (n === 0) return [];
  const m = rows[0].length;
  if (m === 1) return rows.map((_, i) => i === 0);
  if (m === 2) {
    const on = new Array<boolean>(n).fill(true);
    let cummin = rows[0][1];
    for (let i = 1; i < n; i++) {
      const next = Math.min(cummin, rows[i][1]);
      on[i] = next < cummin;
      cummin = next;
    }
    return on;
  }
  const on = new Array<boolean>(n).fill(false);
  let remaining = rows.map((_, i) => i);
  while (remaining.length > 0) {
    const top = remaining[0];
    on[top] = true;
    remaining = remaining.filter((i) => rows[i].some((v, k) => k > 0 && v < rows[top][k]));
  }
  return on;
}

/** Which loss rows are on the Pareto front (duplicates of a front row too). */
export function isParetoFront(rows: readonly number[][]): boolean[] {
  const { unique, inverse } = uniqueRows(rows);
  const on = paretoFrontSorted(unique);
  return inverse.map((i) => on[i]);
}

/** The loss of a value under a direction (maximised values negated; missing = +inf). */
export function normalizeValue(v: number | null, d: StudyDirection): number {
  if (v === null) return Number.POSITIVE_INFINITY;
  return d === StudyDirection.MAXIMIZE ? -v : v;
}

/** The COMPLETE trials not dominated by another (Optuna's `_get_pareto_front_trials_by_trials`). */
export function paretoFrontTrials(
  trials: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
): FrozenTrial[] {
  const complete = trials.filter((t) => t.state === TrialState.COMPLETE);
  if (complete.length === 0) return [];
  if (complete.some((t) => t.values!.length !== directions.length)) {
    throw new Error("The number of the values and the number of the objectives must be identical.");
  }
  const loss = complete.map((t) => t.values!.map((v, i) => normalizeValue(v, directions[i])));
  const on = isParetoFront(loss);
  return complete.filter((_, i) => on[i]);
}

/** Non-domination ranks (0 = the front) of the first `nBelow` rows' worth of fronts; the rest share the next rank. */
export function nonDominationRank(loss: readonly number[][], nBelow?: number): number[] {
  if (loss.length === 0) return [];
  const limit = nBelow || loss.length;
  if (limit <= 0) return loss.map(() => 0);
  if (loss[0].length === 1) {
    const { inverse } = uniqueRows(loss.map((r) => [r[0]]));
    return inverse;
  }
  const { unique, inverse } = uniqueRows(loss);
  const nUnique = unique.length;
  const target = Math.min(limit, nUnique);
  const ranks = new Array<number>(nUnique).fill(0);
  let indices = unique.map((_, i) => i);
  let current = unique;
  let rank = 0;
  while (nUnique - indices.length < target) {
    const on = paretoFrontSorted(current);
    indices.forEach((idx, k) => {
      if (on[k]) ranks[idx] = rank;
    });
    indices = indices.filter((_, k) => !on[k]);
    current = current.filter((_, k) => !on[k]);
    rank += 1;
  }
  for (const idx of indices) ranks[idx] = rank;
  return inverse.map((i) => ranks[i]);
}

/** The hypervolume dominated by `points` up to `ref` (points must not exceed ref). */
export function hypervolume(points: readonly number[][], ref: readonly number[]): number {
  if (!ref.every(Number.isFinite)) return Number.POSITIVE_INFINITY;
  if (points.length === 0) return 0;
  const { unique } = uniqueRows(points);
  const on = paretoFrontSorted(unique);
  const front = unique.filter((_, i) => on[i]);
  const hv = ref.length === 2 ? hv2d(front, ref) : hvSorted(front, ref);
  return Number.isFinite(hv) ? hv : Number.POSITIVE_INFINITY;
}

function hv2d(sorted: readonly number[][], ref: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i === 0 ? ref[1] : sorted[i - 1][1];
    total += (ref[0] - sorted[i][0]) * (top - sorted[i][1]);
  }
  return total;
}

function inclusive(p: readonly number[], ref: readonly number[]): number {
  let v = 1;
  for (let k = 0; k < ref.length; k++) v *= ref[k] - p[k];
  return v;
}

/** WFG's recursion on front points sorted by the first loss. */
function hvSorted(sorted: readonly number[][], ref: readonly number[]): number {
  if (sorted.length === 1) return inclusive(sorted[0], ref);
  let total = inclusive(sorted[sorted.length - 1], ref);
  for (let i = 0; i < sorted.length - 1; i++) {
    const limited = sorted.slice(i + 1).map((q) => q.map((v, k) => Math.max(v, sorted[i][k])));
    const { unique } = uniqueRows(limited);
    const on = paretoFrontSorted(unique);
    total +=
      inclusive(sorted[i], ref) -
      hvSorted(
        unique.filter((_, k) => on[k]),
        ref,
      );
  }
  return total;
}

/** Optuna's reference point for a set of losses: 10% beyond the worst value (EPS where it is 0). */
export function referencePoint(loss: readonly number[][]): number[] {
  return loss[0].map((_, k) => {
    const worst = Math.max(...loss.map((r) => r[k]));
    const r = Math.max(1.1 * worst, 0.9 * worst);
    return r === 0 ? EPS : r;
  });
}

/** Greedily picks `size` of `indices` whose losses add the most hypervolume (Optuna's `_solve_hssp`). */
export function solveHssp(
  loss: readonly number[][],
  indices: readonly number[],
  size: number,
  ref: readonly number[],
): number[] {
  if (size === indices.length) return [...indices];
  const { unique, first } = uniqueRows(loss);
  if (unique.length < size) {
    const chosen = new Array<boolean>(indices.length).fill(false);
    for (const i of first) chosen[i] = true;
    let extra = size - unique.length;
    for (let i = 0; i < indices.length && extra > 0; i++) {
      if (!chosen[i]) {
        chosen[i] = true;
        extra -= 1;
      }
    }
    return indices.filter((_, i) => chosen[i]);
  }
  if (!ref.every(Number.isFinite)) return first.slice(0, size).map((i) => indices[i]);
  const picked: number[][] = [];
  const out: number[] = [];
  let left = unique.map((_, i) => i);
  let hvPicked = 0;
  for (let k = 0; k < size; k++) {
    let bestK = 0;
    let best = Number.NEGATIVE_INFINITY;
    left.forEach((u, j) => {
      const gain = hypervolume([...picked, unique[u]], ref) - hvPicked;
      if (gain > best) {
        best = gain;
        bestK = j;
      }
    });
    const u = left[bestK];
    picked.push(unique[u]);
    hvPicked = hypervolume(picked, ref);
    out.push(indices[first[u]]);
    left = left.filter((_, j) => j !== bestK);
  }
  return out;
}
