/**
 * TPESampler as Optuna 5.0 defines it (`optuna/samplers/_tpe/sampler.py`): random sampling for the first
 * `nStartupTrials` finished trials, then `nEiCandidates` draws from l(x) (the Parzen estimator of the good
 * trials), keeping the one with the largest log l(x) - log g(x). Multivariate (the default for one objective)
 * samples the intersection search space jointly, `group` splits it into groups that always occur together,
 * and the constant liar (on by default) counts running trials as bad so that parallel asks spread out; their
 * jointly drawn values are shared through the `tpe:relative_params:<i>` system attributes.
 */

import { PyFloat } from "../../../common/pyvalue.js";
import { type Distribution, FloatDistribution } from "../../distributions.js";
import { type FrozenTrial, isFinished, type ParamValue, TrialState } from "../../frozen-trial.js";
import { log, WARNING, warn } from "../../logging.js";
import { pyJsonDumps, pyJsonLoads } from "../../pyjson.js";
import { RandomState } from "../../random-state.js";
import {
  GroupDecomposedSearchSpace,
  IntersectionSearchSpace,
  type SearchSpaceGroup,
} from "../../search-space.js";
import type { Study } from "../../study.js";
import { RandomSampler } from "../random.js";
import type { Sampler } from "../sampler.js";
import { ParzenEstimator, type ParzenEstimatorParameters } from "./parzen-estimator.js";
import { defaultGamma, defaultGammaMultiobjective, defaultWeights, splitTrials } from "./split.js";

const RELATIVE_PARAMS_KEY = "tpe:relative_params";
const SYSTEM_ATTR_MAX_LENGTH = 2045;

/** TPESampler's options (Optuna's arguments in camelCase). */
export interface TPESamplerOptions {
  seed?: number | null;
  nStartupTrials?: number;
  nEiCandidates?: number;
  /** null: true for one objective, false for several. */
  multivariate?: boolean | null;
  group?: boolean;
  constantLiar?: boolean;
  priorWeight?: number;
  considerMagicClip?: boolean;
  considerEndpoints?: boolean;
  gamma?: ((n: number) => number) | null;
  weights?: (n: number) => ArrayLike<number>;
  warnIndependentSampling?: boolean;
}

/** Tree-structured Parzen Estimator sampling. */
export class TPESampler implements Sampler {
  readonly pyName = "TPESampler";
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly constantLiar: boolean;
  readonly group: boolean;
  private readonly multivariate: boolean | null;
  private gamma: ((n: number) => number) | null;
  private readonly parzen: ParzenEstimatorParameters;
  private readonly warnIndependent: boolean;
  private readonly rng: RandomState;
  private readonly randomSampler: RandomSampler;
  private readonly intersection = new IntersectionSearchSpace(true);
  private readonly groupSpace: GroupDecomposedSearchSpace | null;
  private searchSpaceGroup: SearchSpaceGroup | null = null;

  constructor(opts: TPESamplerOptions = {}) {
    this.nStartupTrials = opts.nStartupTrials ?? 10;
    this.nEiCandidates = opts.nEiCandidates ?? 24;
    this.constantLiar = opts.constantLiar ?? true;
    this.group = opts.group ?? false;
    this.multivariate = opts.multivariate ?? null;
    this.gamma = opts.gamma ?? null;
    this.warnIndependent = opts.warnIndependentSampling ?? false;
    this.parzen = {
      priorWeight: opts.priorWeight ?? 1.0,
      considerMagicClip: opts.considerMagicClip ?? true,
      considerEndpoints: opts.considerEndpoints ?? false,
      weights: opts.weights ?? defaultWeights,
    };
    this.rng = new RandomState(opts.seed ?? null);
    this.randomSampler = new RandomSampler({ seed: opts.seed ?? null });
    if (this.group && this.multivariate === false) {
      throw new Error("``group`` option can only be enabled when ``multivariate`` is enabled.");
    }
    this.groupSpace = this.group ? new GroupDecomposedSearchSpace(true) : null;
    if (this.group)
      warn("Argument ``group`` is an experimental feature. The interface can change in the future.");
  }

  reseedRng(): void {
    this.rng.seed();
    this.randomSampler.reseedRng();
  }

  private isMultivariate(study: Study): boolean {
    if (this.multivariate !== null) return this.multivariate;
    if (this.group) return true;
    return !study.isMultiObjective();
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    if (!this.isMultivariate(study)) return {};
    const space: Record<string, Distribution> = {};
    if (this.groupSpace !== null) {
      this.searchSpaceGroup = this.groupSpace.calculate(study, true);
      for (const sub of this.searchSpaceGroup.searchSpaces) {
        for (const name of Object.keys(sub).sort()) if (!sub[name].single()) space[name] = sub[name];
      }
      return space;
    }
    for (const [name, d] of Object.entries(this.intersection.calculate(study, true)))
      if (!d.single()) space[name] = d;
    return space;
  }

  sampleRelative(
    study: Study,
    trial: FrozenTrial,
    searchSpace: Record<string, Distribution>,
  ): Record<string, ParamValue> {
    let params: Record<string, ParamValue> = {};
    if (this.searchSpaceGroup !== null && this.group) {
      for (const sub of this.searchSpaceGroup.searchSpaces) {
        const part: Record<string, Distribution> = {};
        for (const name of Object.keys(sub).sort())
          if (!sub[name].single() && name in searchSpace) part[name] = sub[name];
        Object.assign(params, this.sampleRelativeSpace(study, trial, part));
      }
    } else params = this.sampleRelativeSpace(study, trial, searchSpace);
    if (Object.keys(params).length > 0 && this.constantLiar) {
      const text = pyJsonDumps(
        Object.fromEntries(
          Object.entries(params).map(([k, v]) => [
            k,
            searchSpace[k] instanceof FloatDistribution ? new PyFloat(v as number) : v,
          ]),
        ),
      );
      for (let i = 0; i < text.length; i += SYSTEM_ATTR_MAX_LENGTH) {
        study.storage.setTrialSystemAttr(
          trial.trialId,
          `${RELATIVE_PARAMS_KEY}:${i / SYSTEM_ATTR_MAX_LENGTH}`,
          text.slice(i, i + SYSTEM_ATTR_MAX_LENGTH),
        );
      }
    }
    return params;
  }

  private sampleRelativeSpace(
    study: Study,
    trial: FrozenTrial,
    space: Record<string, Distribution>,
  ): Record<string, ParamValue> {
    if (Object.keys(space).length === 0) return {};
    const trials = study.sharedTrials([TrialState.COMPLETE, TrialState.PRUNED], true);
    if (trials.length < this.nStartupTrials) return {};
    return this.sample(study, trial, space);
  }

  sampleIndependent(study: Study, trial: FrozenTrial, name: string, d: Distribution): ParamValue {
    const trials = study.sharedTrials([TrialState.COMPLETE, TrialState.PRUNED], true);
    if (trials.length < this.nStartupTrials)
      return this.randomSampler.sampleIndependent(study, trial, name, d);
    if (this.warnIndependent && this.isMultivariate(study) && trials.some((t) => name in t.params)) {
      log(
        WARNING,
        `The parameter '${name}' in trial#${trial.number} is sampled independently instead of being sampled by multivariate TPE sampler. (optimization performance may be degraded). You can suppress this warning by setting \`warn_independent_sampling\` to \`False\` in the constructor of \`TPESampler\`, if this independent sampling is intended behavior.`,
      );
    }
    return this.sample(study, trial, { [name]: d })[name];
  }

  /** A trial's parameters, with the values a running trial drew jointly but has not suggested yet. */
  private paramsOf(trial: FrozenTrial, study: Study): Record<string, ParamValue> {
    if (isFinished(trial.state) || !this.isMultivariate(study)) return trial.params;
    let text = "";
    for (let i = 0; ; i++) {
      const chunk = trial.systemAttrs[`${RELATIVE_PARAMS_KEY}:${i}`];
      if (typeof chunk !== "string" || chunk === "") break;
      text += chunk;
    }
    if (text === "") return trial.params;
    try {
      return { ...(pyJsonLoads(text) as Record<string, ParamValue>), ...trial.params };
    } catch {
      return trial.params;
    }
  }

  private observations(
    trials: FrozenTrial[],
    space: Record<string, Distribution>,
    study: Study,
  ): Record<string, Float64Array> {
    const names = Object.keys(space);
    const values: number[][] = names.map(() => []);
    for (const t of trials) {
      const params = this.paramsOf(t, study);
      if (!names.every((n) => n in params)) continue;
      names.forEach((n, i) => {
        values[i].push(space[n].toInternal(params[n]));
      });
    }
    return Object.fromEntries(names.map((n, i) => [n, Float64Array.from(values[i])]));
  }

  private sample(
    study: Study,
    trial: FrozenTrial,
    space: Record<string, Distribution>,
  ): Record<string, ParamValue> {
    const states = this.constantLiar
      ? [TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING]
      : [TrialState.COMPLETE, TrialState.PRUNED];
    let trials = study.sharedTrials(states, !this.constantLiar);
    if (this.constantLiar) trials = trials.filter((t) => t.number !== trial.number);
    this.gamma ??= study.directions.length <= 1 ? defaultGamma : defaultGammaMultiobjective;
    const n = trials.filter((t) => t.state !== TrialState.RUNNING).length;
    const [below, above] = splitTrials(study, trials, this.gamma(n));
    const obsBelow = this.observations(below, space, study);
    const nBelow = Object.values(obsBelow)[0]?.length ?? 0;
    const mpeBelow = new ParzenEstimator(
      obsBelow,
      space,
      this.parzen,
      study.isMultiObjective() ? new Float64Array(nBelow).fill(1) : null,
    );
    const mpeAbove = new ParzenEstimator(this.observations(above, space, study), space, this.parzen);
    const samples = mpeBelow.sample(this.rng, this.nEiCandidates);
    const lBelow = mpeBelow.logPdf(samples);
    const lAbove = mpeAbove.logPdf(samples);
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < lBelow.length; i++) {
      const acq = lBelow[i] - lAbove[i];
      if (Number.isNaN(acq)) {
        best = i;
        break;
      }
      if (acq > bestValue) {
        bestValue = acq;
        best = i;
      }
    }
    const out: Record<string, ParamValue> = {};
    for (const [name, d] of Object.entries(space)) out[name] = d.toExternal(samples[name][best]);
    return out;
  }
}
