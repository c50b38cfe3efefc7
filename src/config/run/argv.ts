/**
 * Hydra's command-line grammar (hydra/_internal/utils.py `get_args_parser`): flags anywhere among the
 * overrides, long and short forms, `--flag value` and `--flag=value`, and `--info` with an optional value.
 */

/** Parsed Hydra flags and overrides. */
export interface HydraArgs {
  overrides: string[];
  help: boolean;
  hydraHelp: boolean;
  version: boolean;
  cfg: "job" | "hydra" | "all" | null;
  resolve: boolean;
  package: string | null;
  run: boolean;
  multirun: boolean;
  shellCompletion: boolean;
  configPath: string | null;
  configName: string | null;
  configDir: string | null;
  /** `--info [what]`; `config=<key>` asks for the provenance of one key (Kiln's addition). */
  info: string | null;
  infoKey: string | null;
  /** Stop a sweep at the first failed job (Kiln's addition; same as `hydra.sweeper.fail_fast=true`). */
  failFast: boolean;
}

/** The `--info` choices. */
export const INFO_CHOICES = ["all", "config", "defaults", "defaults-tree", "plugins", "searchpath"] as const;

/** One line per flag for `$FLAGS_HELP`, in Hydra's order. */
export const FLAGS_HELP: Array<[string, string]> = [
  ["--help,-h", "Application's help"],
  ["--hydra-help", "Hydra's help"],
  ["--version", "Show the version and exit"],
  ["--cfg,-c", "Show config instead of running [job|hydra|all]"],
  ["--resolve", "Used in conjunction with --cfg, resolve config interpolations before printing."],
  ["--package,-p", "Config package to show"],
  ["--run,-r", "Run a job"],
  ["--multirun,-m", "Run multiple jobs with the configured launcher and sweeper"],
  ["--fail-fast", "With --multirun: stop the sweep at the first failed job"],
  ["--shell-completion,-sc", "Install or Uninstall shell completion:\nCOMPLETION_HELP"],
  ["--config-path,-cp", "Overrides the config path (the primary config folder)"],
  ["--config-name,-cn", "Overrides the config name"],
  ["--config-dir,-cd", "Adds an additional config dir to the config search path"],
  [
    "--info,-i",
    `Print Hydra information [${INFO_CHOICES.join("|")}]; --info config=<key> shows where <key> was set`,
  ],
];

/** The shells `-sc install=<shell>` writes a completion script for (Hydra's plugins, in its order). */
export const COMPLETION_SHELLS = ["bash", "fish", "zsh"] as const;

/** Hydra's help lines for `--shell-completion` (its _get_completion_help) for the program `prog`. */
function completionHelp(prog: string): string {
  const lines: string[] = [];
  const title = (w: string) => `${w[0]!.toUpperCase()}${w.slice(1)}`;
  for (const shell of COMPLETION_SHELLS) {
    for (const cmd of ["install", "uninstall"]) {
      lines.push(`${title(shell)} - ${title(cmd)}:`);
      lines.push(
        shell === "fish" ? `${prog} -sc ${cmd}=fish | source` : `eval "$(${prog} -sc ${cmd}=${shell})"`,
      );
    }
    lines.push("");
  }
  return lines.map((l) => (l ? `    ${l}` : l)).join("\n");
}

/** `$FLAGS_HELP` text; `prog` is the command line that runs the app (`kiln train`). */
export function formatFlagsHelp(prog: string): string {
  let s = "";
  for (const [flags, help] of FLAGS_HELP)
    s += `${flags} : ${help.replace("COMPLETION_HELP", completionHelp(prog))}\n`;
  return `${s}Overrides : Any key=value arguments to override config values (use dots for.nested=overrides)`;
}

const VALUE_FLAGS: Record<string, keyof HydraArgs> = {
  "--cfg": "cfg",
  "-c": "cfg",
  "--package": "package",
  "-p": "package",
  "--config-path": "configPath",
  "-cp": "configPath",
  "--config-name": "configName",
  "-cn": "configName",
  "--config-dir": "configDir",
  "-cd": "configDir",
};

const BOOL_FLAGS: Record<string, keyof HydraArgs> = {
  "--help": "help",
  "-h": "help",
  "--hydra-help": "hydraHelp",
  "--version": "version",
  "--resolve": "resolve",
  "--run": "run",
  "-r": "run",
  "--multirun": "multirun",
  "-m": "multirun",
  "--shell-completion": "shellCompletion",
  "-sc": "shellCompletion",
  "--fail-fast": "failFast",
};

function setInfo(args: HydraArgs, value: string): void {
  const eq = value.indexOf("=");
  const what = eq === -1 ? value : value.slice(0, eq);
  if (!(INFO_CHOICES as readonly string[]).includes(what)) {
    throw new Error(
      `argument --info/-i: invalid choice: '${what}' (choose from ${INFO_CHOICES.map((c) => `'${c}'`).join(", ")})`,
    );
  }
  args.info = what;
  args.infoKey = eq === -1 ? null : value.slice(eq + 1);
}

/** Parses argv (without the program name) the way Hydra's argparse setup does. */
export function parseHydraArgs(argv: string[]): HydraArgs {
  const args: HydraArgs = {
    overrides: [],
    help: false,
    hydraHelp: false,
    version: false,
    cfg: null,
    resolve: false,
    package: null,
    run: false,
    multirun: false,
    shellCompletion: false,
    configPath: null,
    configName: null,
    configDir: null,
    info: null,
    infoKey: null,
    failFast: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    const eq = tok.startsWith("-") ? tok.indexOf("=") : -1;
    const flag = eq === -1 ? tok : tok.slice(0, eq);
    if (flag in BOOL_FLAGS && eq === -1) {
      (args as unknown as Record<string, unknown>)[BOOL_FLAGS[flag]] = true;
    } else if (flag in VALUE_FLAGS) {
      const value = eq !== -1 ? tok.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new Error(`argument ${flag}: expected one argument`);
      const key = VALUE_FLAGS[flag];
      if (key === "cfg" && !["job", "hydra", "all"].includes(value)) {
        throw new Error(`argument --cfg/-c: invalid choice: '${value}' (choose from 'job', 'hydra', 'all')`);
      }
      (args as unknown as Record<string, unknown>)[key] = value;
    } else if (flag === "--info" || flag === "-i") {
      if (eq !== -1) setInfo(args, tok.slice(eq + 1));
      else {
        const next = argv[i + 1];
        const nextWhat = next?.split("=")[0];
        if (next !== undefined && (INFO_CHOICES as readonly string[]).includes(nextWhat)) {
          setInfo(args, next);
          i++;
        } else args.info = "all";
      }
    } else if (
      tok.startsWith("-") &&
      !tok.startsWith("--") &&
      tok.length > 1 &&
      !/^-\d/.test(tok) &&
      !tok.includes("=")
    ) {
      throw new Error(`unrecognized arguments: ${tok}`);
    } else if (tok.startsWith("--") && !tok.includes("=")) {
      throw new Error(`unrecognized arguments: ${tok}`);
    } else {
      args.overrides.push(tok);
    }
  }
  return args;
}
