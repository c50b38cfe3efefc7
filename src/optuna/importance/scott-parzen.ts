/**
 * PED-ANOVA's Parzen estimator on a grid (Optuna's `scott_parzen_estimator.py`): a parameter's values are
 * binned into grid cells (log scale for log parameters); each occupied cell is a kernel weighted by its count,
 * with Scott's rule (1.059 * min(IQR / 1.34, sd) * n^-0.2, at least 0.5 / 1.64 cells) for the bandwidth and a
 * wide prior kernel; categorical parameters count their choices.
 */
import { CategoricalDistribution, type Distribution, IntDistribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { roundHalfEven } from "../math/numpy.js";
import { MixtureOfProductDistribution } from "../samplers/tpe/mixture.js";

/** A Parzen estimate over grid cells 0..size-1. */
export class GridParzenEstimator {
  constructor(
    readonly mixture: MixtureOfProductDistribution,
    readonly size: number,
  ) {}

  /** The probability of each grid cell. */
  pdfOnGrid(): Float64Array {
    const rows = Array.from({ length: this.size }, (_, i) => Float64Array.of(i));
    return this.mixture.logPdf(rows).map(Math.exp);
  }
}

/** How many grid cells a numerical parameter gets (at most `nSteps`). */
export function gridSteps(d: Distribution, nSteps: number): number {
  if (d instanceof CategoricalDistribution) return d.choices.length;
  if (d instanceof IntDistribution && d.log)
    return Math.min(Math.ceil(Math.log(d.high - d.low + 1) / Math.log(2)) + 1, nSteps);
  if (d.step !== null) return Math.min(roundHalfEven((d.high - d.low) / d.step) + 1, nSteps);
  return nSteps;
}

function counts(name: string, d: Distribution, trials: FrozenTrial[], nSteps: number): number[] {
  if (d instanceof CategoricalDistribution) {
    const c = new Array<number>(d.choices.length).fill(0);
    for (const t of trials) c[d.toInternal(t.params[name])] += 1;
    return c;
  }
  const steps = gridSteps(d, nSteps);
  const low = d.log ? Math.log(d.low) : d.low;
  const high = d.log ? Math.log(d.high) : d.high;
  const stepSize = (high - low) / (steps - 1);
  const c = new Array<number>(steps).fill(0);
  for (const t of trials) {
    const v = d.log ? Math.log(t.params[name] as number) : (t.params[name] as number);
    const idx = Math.min(Math.max(Math.ceil((v - low) / stepSize - 0.5), 0), steps - 1);
    c[idx] += 1;
  }
  return c;
}

function searchSorted(cum: number[], v: number, right: boolean): number {
  let i = 0;
  while (i < cum.length && (right ? cum[i] <= v : cum[i] < v)) i++;
  return i;
}

/** Builds the estimator of `name`'s values in `trials` (Optuna's `build_parzen_estimator_on_grid`). */
export function buildParzenEstimatorOnGrid(
  name: string,
  d: Distribution,
  trials: FrozenTrial[],
  nSteps: number,
  priorWeight: number,
): GridParzenEstimator {
  const c = counts(name, d, trials, nSteps);
  const obs = c.flatMap((n, i) => (n > 0 ? [i] : []));
  const w = obs.map((i) => c[i]);
  const mixtureWeights = obs.length === 0 ? Float64Array.of(1) : Float64Array.from([...w, priorWeight]);
  const total = mixtureWeights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < mixtureWeights.length; i++) mixtureWeights[i] /= total;
  if (d instanceof CategoricalDistribution) {
    const n = c.length;
    const kernels =
      obs.length === 0
        ? [new Float64Array(n).fill(1 / n)]
        : [...obs, -1].map((o) => {
            const row = new Float64Array(n).fill(priorWeight / (obs.length + 1));
            if (o >= 0) row[o] += 1;
            const s = row.reduce((a, b) => a + b, 0);
            return row.map((x) => x / (s === 0 ? 1 : s));
          });
    return new GridParzenEstimator(
      new MixtureOfProductDistribution(mixtureWeights, [{ kind: "categorical", weights: kernels }]),
      n,
    );
  }
  const grid = new IntDistribution(0, c.length - 1);
  const cum: number[] = [];
  w.reduce((acc, x) => {
    cum.push(acc + x);
    return acc + x;
  }, 0);
  const sum = cum[cum.length - 1] ?? 0;
  const mean = obs.reduce((a, o, i) => a + o * w[i], 0) / sum;
  let sd = Math.sqrt(obs.reduce((a, o, i) => a + (o - mean) ** 2 * w[i], 0) / Math.max(1, sum - 1));
  const q1 = searchSorted(cum, Math.floor(sum / 4), false);
  const q3 = searchSorted(cum, Math.floor((sum * 3) / 4), true);
  const iqr = obs[Math.min(obs.length - 1, q3)] - obs[q1];
  sd = 1.059 * Math.min(iqr / 1.34, sd) * sum ** -0.2;
  const sigma = Math.max(sd, 0.5 / 1.64);
  const mu = Float64Array.from([...obs, (grid.low + grid.high) / 2]);
  const sigmas = Float64Array.from([...obs.map(() => sigma), grid.high - grid.low + 1]);
  return new GridParzenEstimator(
    new MixtureOfProductDistribution(mixtureWeights, [
      { kind: "numerical", mu, sigma: sigmas, low: grid.low, high: grid.high, step: 1, isLog: false },
    ]),
    c.length,
  );
}
