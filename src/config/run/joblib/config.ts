/** hydra-joblib-launcher 1.2's config (`hydra/launcher: joblib`), with its keys and defaults (its config.py). */
const JOBLIB_LAUNCHER_CONFIG = `_target_: hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher
n_jobs: -1
backend: null
prefer: processes
require: null
verbose: 0
timeout: null
pre_dispatch: 2*n_jobs
batch_size: auto
temp_folder: null
max_nbytes: null
mmap_mode: r
`;

/** Config path -> YAML of the launcher's built-in configs (in Hydra's ConfigStore, as the plugin registers them). */
export const JOBLIB_LAUNCHER_CONFIGS: Record<string, string> = {
  "hydra/launcher/joblib": JOBLIB_LAUNCHER_CONFIG,
};
