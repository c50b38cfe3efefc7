/**
 * Parameter importances as Optuna 5.0's default evaluator computes them (PED-ANOVA,
 * `PedAnovaImportanceEvaluator`): for each parameter, the Pearson divergence between a Parzen estimate of its
 * values among the top 10% of trials and among all trials, on a grid of at most 50 cells, with Scott's rule for
 * the bandwidth; a parameter whose good values look like all values is unimportant. `getParamImportances`
 * normalises them to sum to 1, as `optuna.importance.get_param_importances` does.
 */
import type { Distribution } from "../distributions.js";
import { type FrozenTrial, TrialState } from "../frozen-trial.js";
import { warn } from "../logging.js";
import { splitCompleteTrials } from "../samplers/tpe/split.js";
import { StudyDirection } from "../storages/storage.js";
import type { Study } from "../study.js";
import { buildParzenEstimatorOnGrid } from "./scott-parzen.js";

const N_STEPS = 50;
const PRIOR_WEIGHT = 1.0;
const MIN_TRIALS_IN_REGIME = 2;

function topQuantile(study: Study, trials: FrozenTrial[], quantile: number): FrozenTrial[] {
  if (quantile === 1.0) return trials;
  if (study.isMultiObjective())
    return splitCompleteTrials(trials, study, Math.ceil(quantile * trials.length))[0];
  const sign = study.directions[0] === StudyDirection.MINIMIZE ? 1 : -1;
  const loss = trials.map((t) => sign * t.value!);
  const cutoffIndex = Math.ceil(quantile * loss.length) - 1;
  const cutoff = [...loss].sort((a, b) => a - b)[cutoffIndex];
  return trials.filter((_, i) => loss[i] <= cutoff);
}

function pearsonDivergence(
  name: string,
  d: Distribution,
  target: FrozenTrial[],
  region: FrozenTrial[],
): number {
  const top = buildParzenEstimatorOnGrid(name, d, target, N_STEPS, PRIOR_WEIGHT);
  const local = buildParzenEstimatorOnGrid(name, d, region, N_STEPS, PRIOR_WEIGHT);
  const pTop = top.pdfOnGrid();
  const pLocal = local.pdfOnGrid();
  let s = 0;
  for (let i = 0; i < pTop.length; i++) {
    const t = pTop[i] + 1e-12;
    const l = pLocal[i] + 1e-12;
    s += l * (t / l - 1) ** 2;
  }
  return s;
}

function regimes(name: string, trials: FrozenTrial[]): Map<Distribution | null, FrozenTrial[]> {
  const groups: { d: Distribution | null; trials: FrozenTrial[] }[] = [];
  for (const t of trials) {
    const d = t.distributions[name] ?? null;
    const g = groups.find((x) => (x.d === null ? d === null : d !== null && sameDistribution(x.d, d)));
    if (g) g.trials.push(t);
    else groups.push({ d, trials: [t] });
  }
  if (groups.some((g) => g.trials.length < MIN_TRIALS_IN_REGIME)) {
    warn(
      `Some regimes for parameter \`${name}\` have less than ${MIN_TRIALS_IN_REGIME} trials. The importance of the parameter may be inaccurate.`,
    );
  }
  return new Map(groups.filter((g) => g.trials.length >= MIN_TRIALS_IN_REGIME).map((g) => [g.d, g.trials]));
}

function sameDistribution(a: Distribution, b: Distribution): boolean {
  return a.constructor === b.constructor && JSON.stringify(a.attributes()) === JSON.stringify(b.attributes());
}

/** Unnormalised PED-ANOVA importances of the study's parameters, most important first. */
export function pedAnovaImportances(study: Study, params?: string[]): Record<string, number> {
  const complete = study.getTrials([TrialState.COMPLETE]);
  const names = params ?? [...new Set(complete.flatMap((t) => Object.keys(t.distributions)))];
  const trials = complete.filter((t) => t.values!.every(Number.isFinite));
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  if (trials.length <= 1) {
    warn("The number of trials is too small to compute importances. Parameter importances will be equal.");
    return out;
  }
  const target = topQuantile(study, trials, 0.1);
  const region = trials;
  if (target.length === region.length) {
    warn("Target and region quantiles select the same set of trials. Parameter importances will be equal.");
  }
  if (target.length === 0) return out;
  const targetIds = new Set(target.map((t) => t.trialId));
  const quantile = target.length / region.length;
  for (const name of names) {
    for (const [d, regionRegime] of regimes(name, region)) {
      const targetRegime = regionRegime.filter((t) => targetIds.has(t.trialId));
      if (d === null || d.single() || targetRegime.length === 0) continue;
      const alpha = targetRegime.length / target.length;
      const beta = regionRegime.length / region.length;
      out[name] += ((alpha * alpha) / beta) * pearsonDivergence(name, d, targetRegime, regionRegime);
    }
  }
  const sorted = Object.entries(out)
    .map(([k, v]) => [k, v * quantile * quantile] as const)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(sorted);
}

/** Importances normalised to sum to 1 (equal when they are all 0), most important first. */
export function getParamImportances(study: Study, params?: string[]): Record<string, number> {
  const raw = pedAnovaImportances(study, params);
  const total = Object.values(raw).reduce((a, b) => a + b, 0);
  const n = Object.keys(raw).length;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, total === 0 ? 1 / n : v / total]));
}
