/**
 * Builds the sampler and pruner that `hydra.sweeper.sampler` / `hydra.sweeper.pruner` name, as Hydra would
 * instantiate them for the plugin: `_target_` by Optuna's Python name (or Kiln's), the other keys as the
 * class's snake_case arguments, mapped onto Kiln's camelCase options. Unknown keys and samplers Kiln does not
 * implement are errors that name the key and the supported choices.
 */
import { HyperbandPruner } from "../../../optuna/pruners/hyperband.js";
import { MedianPruner, PercentilePruner } from "../../../optuna/pruners/percentile.js";
import { NopPruner, type Pruner } from "../../../optuna/pruners/pruner.js";
import { SuccessiveHalvingPruner } from "../../../optuna/pruners/successive-halving.js";
import { RandomSampler } from "../../../optuna/samplers/random.js";
import type { Sampler } from "../../../optuna/samplers/sampler.js";
import { TPESampler } from "../../../optuna/samplers/tpe/sampler.js";

/** A sampler, or GridSampler waiting for the search space (`_partial_: true`, as the plugin's grid config). */
export type SamplerSpec = { kind: "sampler"; sampler: Sampler } | { kind: "grid"; seed: number | null };

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function options(
  conf: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(conf)) {
    if (k === "_target_" || k === "_partial_") continue;
    if (!allowed.includes(k)) {
      throw new Error(
        `${where}.${k}: not an argument of ${String(conf._target_)} (arguments: ${allowed.join(", ")})`,
      );
    }
    if (v !== null) out[camel(k)] = v;
  }
  return out;
}

const TPE_KEYS = [
  "seed",
  "consider_prior",
  "prior_weight",
  "consider_magic_clip",
  "consider_endpoints",
  "n_startup_trials",
  "n_ei_candidates",
  "multivariate",
  "group",
  "warn_independent_sampling",
  "constant_liar",
] as const;

const SAMPLERS: Record<string, (conf: Record<string, unknown>, where: string) => SamplerSpec> = {
  TPESampler: (conf, where) => {
    const { considerPrior: _deprecatedAlwaysOn, ...opts } = options(conf, TPE_KEYS, where);
    return { kind: "sampler", sampler: new TPESampler(opts) };
  },
  RandomSampler: (conf, where) => ({
    kind: "sampler",
    sampler: new RandomSampler(options(conf, ["seed"], where)),
  }),
  GridSampler: (conf, where) => {
    if (conf._partial_ !== true) {
      throw new Error(
        `${where}._partial_: GridSampler takes its search space from hydra.sweeper.params; keep _partial_: true`,
      );
    }
    return { kind: "grid", seed: (options(conf, ["seed"], where).seed as number | undefined) ?? null };
  },
};

function shortName(target: unknown, prefixes: string[]): string {
  const t = String(target ?? "");
  for (const p of prefixes) if (t.startsWith(p)) return t.slice(p.length);
  return t;
}

/** The sampler of `hydra.sweeper.sampler`. */
export function samplerFromConfig(conf: Record<string, unknown> | null): SamplerSpec {
  const where = "hydra.sweeper.sampler";
  if (conf === null) return { kind: "sampler", sampler: new TPESampler() };
  const name = shortName(conf._target_, ["optuna.samplers.", "kiln.optuna."]);
  const make = SAMPLERS[name];
  if (!make) {
    throw new Error(
      `${where}._target_: '${String(conf._target_)}' is not available in Kiln; use optuna.samplers.TPESampler, ` +
        "optuna.samplers.RandomSampler or optuna.samplers.GridSampler (hydra/sweeper/sampler=tpe, random or grid)",
    );
  }
  return make(conf, where);
}

const PRUNERS: Record<string, (o: Record<string, unknown>) => Pruner> = {
  MedianPruner: (o) => new MedianPruner(o),
  PercentilePruner: ({ percentile, ...o }) => new PercentilePruner(percentile as number, o),
  SuccessiveHalvingPruner: (o) => new SuccessiveHalvingPruner(o),
  HyperbandPruner: (o) => new HyperbandPruner(o),
  NopPruner: () => new NopPruner(),
};

const PRUNER_KEYS: Record<string, string[]> = {
  MedianPruner: ["n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"],
  PercentilePruner: ["percentile", "n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"],
  SuccessiveHalvingPruner: ["min_resource", "reduction_factor", "min_early_stopping_rate", "bootstrap_count"],
  HyperbandPruner: ["min_resource", "max_resource", "reduction_factor", "bootstrap_count"],
  NopPruner: [],
};

/** The pruner of `hydra.sweeper.pruner` (Kiln's addition), or null when none is configured. */
export function prunerFromConfig(conf: Record<string, unknown> | null | undefined): Pruner | null {
  if (conf === null || conf === undefined) return null;
  const where = "hydra.sweeper.pruner";
  const name = shortName(conf._target_, ["optuna.pruners.", "kiln.optuna."]);
  if (!(name in PRUNERS)) {
    throw new Error(
      `${where}._target_: '${String(conf._target_)}' is not available in Kiln; use optuna.pruners.${Object.keys(PRUNERS).join(", optuna.pruners.")} (+hydra/sweeper/pruner=median, percentile, successive_halving, hyperband or nop)`,
    );
  }
  return PRUNERS[name](options(conf, PRUNER_KEYS[name], where));
}
