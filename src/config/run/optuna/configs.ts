/**
 * The built-in configs of the Optuna sweeper, with hydra-optuna-sweeper 1.2's keys, defaults and order
 * (hydra_plugins/hydra_optuna_sweeper/config.py): `hydra/sweeper: optuna` and its `sampler` group (tpe, random,
 * grid, and the samplers Kiln does not implement, which fail when the sweep starts), plus Kiln's `pruner`
 * group, which the plugin lacks (`+hydra/sweeper/pruner=median` adds one; see README "Hyperparameter search").
 */
/** The `_target_` of the sweeper, by its Python name (what the template's hparams_search configs set). */
export const OPTUNA_SWEEPER_TARGET = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper";

const SWEEPER = `defaults:
  - sampler: tpe
_target_: ${OPTUNA_SWEEPER_TARGET}
sampler: ???
direction: minimize
storage: null
study_name: null
n_trials: 20
n_jobs: 2
max_failure_rate: 0.0
search_space: null
params: null
custom_search_space: null
`;

const SAMPLERS: Record<string, string> = {
  tpe: `_target_: optuna.samplers.TPESampler
seed: null
consider_prior: true
prior_weight: 1.0
consider_magic_clip: true
consider_endpoints: false
n_startup_trials: 10
n_ei_candidates: 24
multivariate: false
warn_independent_sampling: true
`,
  random: "_target_: optuna.samplers.RandomSampler\nseed: null\n",
  grid: "_target_: optuna.samplers.GridSampler\n_partial_: true\n",
  cmaes: `_target_: optuna.samplers.CmaEsSampler
seed: null
x0: null
sigma0: null
independent_sampler: null
warn_independent_sampling: true
consider_pruned_trials: false
restart_strategy: null
inc_popsize: 2
use_separable_cma: false
source_trials: null
`,
  nsgaii: `_target_: optuna.samplers.NSGAIISampler
seed: null
population_size: 50
mutation_prob: null
crossover_prob: 0.9
swapping_prob: 0.5
constraints_func: null
`,
  motpe: `_target_: optuna.samplers.MOTPESampler
seed: null
consider_prior: true
prior_weight: 1.0
consider_magic_clip: true
consider_endpoints: false
n_startup_trials: 10
n_ehvi_candidates: 24
`,
};

// Kiln's addition: pruners with Optuna's defaults (a job's trainer reports its monitored metric to them).
const PRUNERS: Record<string, string> = {
  median: `_target_: optuna.pruners.MedianPruner
n_startup_trials: 5
n_warmup_steps: 0
interval_steps: 1
n_min_trials: 1
`,
  percentile: `_target_: optuna.pruners.PercentilePruner
percentile: 25.0
n_startup_trials: 5
n_warmup_steps: 0
interval_steps: 1
n_min_trials: 1
`,
  successive_halving: `_target_: optuna.pruners.SuccessiveHalvingPruner
min_resource: auto
reduction_factor: 4
min_early_stopping_rate: 0
bootstrap_count: 0
`,
  hyperband: `_target_: optuna.pruners.HyperbandPruner
min_resource: 1
max_resource: auto
reduction_factor: 3
bootstrap_count: 0
`,
  nop: "_target_: optuna.pruners.NopPruner\n",
};

/** Config path -> YAML of the sweeper's built-in configs (in Hydra's ConfigStore, as the plugin registers them). */
export const OPTUNA_SWEEPER_CONFIGS: Record<string, string> = {
  "hydra/sweeper/optuna": SWEEPER,
  ...Object.fromEntries(
    Object.entries(SAMPLERS).map(([name, yaml]) => [`hydra/sweeper/sampler/${name}`, yaml]),
  ),
  ...Object.fromEntries(
    Object.entries(PRUNERS).map(([name, yaml]) => [`hydra/sweeper/pruner/${name}`, yaml]),
  ),
};
