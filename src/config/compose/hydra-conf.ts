/**
 * The built-in `hydra/...` configs (Hydra 1.3's `pkg://hydra.conf`): the `hydra/config` schema with its
 * defaults list and the options of its groups. Key order follows Hydra's merge order, so that a dumped
 * `hydra.yaml` reads like Hydra's. `hydra_logging/colorlog` and `job_logging/colorlog` stand in for the
 * hydra-colorlog plugin that the lightning-hydra-template selects.
 */
import { JOBLIB_LAUNCHER_CONFIGS } from "../run/joblib/config.js";
import { OPTUNA_SWEEPER_CONFIGS } from "../run/optuna/configs.js";

/** The Hydra version whose behaviour Kiln's config layer follows (shown as `hydra.runtime.version`). */
export const HYDRA_VERSION = "1.3.2";

const JOB_LOG_FORMAT = "'[%(asctime)s][%(name)s][%(levelname)s] - %(message)s'";

const CONFIG = `defaults:
  - output: default
  - launcher: basic
  - sweeper: basic
  - help: default
  - hydra_help: default
  - hydra_logging: default
  - job_logging: default
  - callbacks: null
  - env: default
mode: null
searchpath: []
run:
  dir: ???
sweep:
  dir: ???
  subdir: ???
hydra_logging: ???
job_logging: ???
sweeper: ???
launcher: ???
callbacks: {}
help:
  app_name: ???
  header: ???
  footer: ???
  template: ???
hydra_help:
  template: ???
  hydra_help: ???
output_subdir: .hydra
overrides:
  hydra: []
  task: []
job:
  name: ???
  chdir: null
  override_dirname: ???
  id: ???
  num: ???
  config_name: ???
  env_set: {}
  env_copy: []
  config:
    override_dirname:
      kv_sep: '='
      item_sep: ','
      exclude_keys: []
runtime:
  version: ???
  version_base: ???
  cwd: ???
  config_sources: ???
  output_dir: ???
  choices: {}
verbose: false
`;

const OUTPUT_DEFAULT = `# @package hydra
run:
  dir: outputs/\${now:%Y-%m-%d}/\${now:%H-%M-%S}
sweep:
  dir: multirun/\${now:%Y-%m-%d}/\${now:%H-%M-%S}
  subdir: \${hydra.job.num}
`;

const HELP_DEFAULT = `app_name: \${hydra.job.name}
header: |
  \${hydra.help.app_name} is powered by Hydra.
footer: |
  Powered by Hydra (https://hydra.cc)
  Use --hydra-help to view Hydra specific help
template: |
  \${hydra.help.header}
  == Configuration groups ==
  Compose your configuration from those groups (group=option)

  $APP_CONFIG_GROUPS

  == Config ==
  Override anything in the config (foo.bar=value)

  $CONFIG

  \${hydra.help.footer}
`;

const HYDRA_HELP_DEFAULT = `template: |
  Hydra (\${hydra.runtime.version})
  See https://hydra.cc for more info.

  == Flags ==
  $FLAGS_HELP

  == Configuration groups ==
  Compose your configuration from those groups (For example, append hydra/job_logging=disabled to command line)

  $HYDRA_CONFIG_GROUPS

  Use '--cfg hydra' to Show the Hydra config.
hydra_help: ???
`;

const HYDRA_LOGGING_DEFAULT = `version: 1
formatters:
  simple:
    format: '[%(asctime)s][HYDRA] %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
root:
  level: INFO
  handlers:
  - console
loggers:
  logging_example:
    level: DEBUG
disable_existing_loggers: false
`;

const JOB_LOGGING_DEFAULT = `version: 1
formatters:
  simple:
    format: ${JOB_LOG_FORMAT}
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
  file:
    class: logging.FileHandler
    formatter: simple
    filename: \${hydra.runtime.output_dir}/\${hydra.job.name}.log
root:
  level: INFO
  handlers:
  - console
  - file
disable_existing_loggers: false
`;

const JOB_LOGGING_STDOUT = `version: 1
formatters:
  simple:
    format: ${JOB_LOG_FORMAT}
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
root:
  handlers:
  - console
disable_existing_loggers: false
`;

const LOGGING_DISABLED = `version: 1
root: null
disable_existing_loggers: false
`;

const JOB_LOGGING_COLORLOG = `version: 1
formatters:
  simple:
    format: ${JOB_LOG_FORMAT}
  colorlog:
    '()': colorlog.ColoredFormatter
    format: '[%(cyan)s%(asctime)s%(reset)s][%(blue)s%(name)s%(reset)s][%(log_color)s%(levelname)s%(reset)s] - %(message)s'
    log_colors:
      DEBUG: purple
      INFO: green
      WARNING: yellow
      ERROR: red
      CRITICAL: red
handlers:
  console:
    class: logging.StreamHandler
    formatter: colorlog
    stream: ext://sys.stdout
  file:
    class: logging.FileHandler
    formatter: simple
    filename: \${hydra.job.name}.log
root:
  level: INFO
  handlers:
  - console
  - file
disable_existing_loggers: false
`;

const HYDRA_LOGGING_COLORLOG = `version: 1
formatters:
  colorlog:
    '()': colorlog.ColoredFormatter
    format: '[%(cyan)s%(asctime)s%(reset)s][%(purple)sHYDRA%(reset)s] %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: colorlog
    stream: ext://sys.stdout
root:
  level: INFO
  handlers:
  - console
disable_existing_loggers: false
`;

/** Config path -> YAML text of every built-in Hydra config. */
export const HYDRA_CONFIGS: Record<string, string> = {
  // The primary config when none is named (Hydra keeps it in its ConfigStore).
  _dummy_empty_config_: "",
  "hydra/config": CONFIG,
  "hydra/output/default": OUTPUT_DEFAULT,
  "hydra/launcher/basic": "_target_: kiln.BasicLauncher\n",
  "hydra/sweeper/basic":
    "_target_: kiln.BasicSweeper\nmax_batch_size: null\nparams: null\nfail_fast: false\n",
  "hydra/help/default": HELP_DEFAULT,
  "hydra/hydra_help/default": HYDRA_HELP_DEFAULT,
  "hydra/hydra_logging/default": HYDRA_LOGGING_DEFAULT,
  "hydra/hydra_logging/disabled": LOGGING_DISABLED,
  "hydra/hydra_logging/none": "version: 1\nroot: null\n",
  "hydra/hydra_logging/colorlog": HYDRA_LOGGING_COLORLOG,
  "hydra/job_logging/default": JOB_LOGGING_DEFAULT,
  "hydra/job_logging/disabled": LOGGING_DISABLED,
  "hydra/job_logging/none": "version: 1\nroot: null\n",
  "hydra/job_logging/stdout": JOB_LOGGING_STDOUT,
  "hydra/job_logging/colorlog": JOB_LOGGING_COLORLOG,
  "hydra/env/default": "# @package hydra\n",
  // The plug-ins Kiln ships (their sweeper and launcher classes register in src/config/run/plugins.ts).
  ...OPTUNA_SWEEPER_CONFIGS,
  ...JOBLIB_LAUNCHER_CONFIGS,
};

/**
 * Adds a built-in config under `hydra/...` (e.g. `hydra/sweeper/optuna` from a sweeper plug-in), so user
 * configs can select it with `override /hydra/sweeper: optuna` as they would with the Python plug-in.
 */
export function registerHydraConfig(configPath: string, yamlText: string, replace = false): void {
  if (!configPath.startsWith("hydra/"))
    throw new Error(`built-in config paths start with 'hydra/', got '${configPath}'`);
  if (configPath in HYDRA_CONFIGS && !replace)
    throw new Error(`built-in config '${configPath}' is already registered`);
  HYDRA_CONFIGS[configPath] = yamlText;
}
