/**
 * The Hydra command line for a task (Hydra's `@hydra.main` + `_run_hydra`): parse argv, then run, sweep,
 * or print the config, help, info or completions. Errors print the real cause first and return a
 * nonzero exit code instead of exiting, so the CLI decides what to do.
 */
import { resolve } from "node:path";
import { SystemExit } from "../../common/system-exit.js";
import { clearResolverCache } from "../omegaconf/index.js";
import { type AppOptions, HydraApp, type MultirunResult } from "./app.js";
import { type HydraArgs, parseHydraArgs } from "./argv.js";
import { type CompletionProgram, shellCompletion } from "./completion-scripts.js";
import { showInfo } from "./info.js";
import { SweepInterrupted } from "./interrupt.js";
import type { TaskReference } from "./plugins.js";
import type { JobReturn, TaskFunction } from "./run-job.js";
import { appHelp, hydraHelp, showCfg } from "./show.js";

/** Options of `runHydraApp`. */
export interface HydraAppOptions {
  /** The primary config folder (`--config-path` replaces it). */
  configDir: string;
  /** The primary config name (`--config-name` replaces it). */
  configName: string | null;
  /** The app's name: `hydra.job.name`, the log file name. */
  appName: string;
  /** The command line users type to run the app, for help texts (default: appName; Kiln's CLI: `kiln train`). */
  programName?: string;
  /** How shell completion scripts register and call the program (default: the app's name, called by name). */
  completion?: CompletionProgram;
  /** Where normal output goes (default: stdout). */
  stdout?: (text: string) => void;
  /** Where errors go (default: stderr). */
  stderr?: (text: string) => void;
  /** Composition warnings (default: to stderr as `UserWarning: ...`). */
  warn?: (message: string) => void;
  /** The task as a child process can import it (for launchers that run jobs in child processes). */
  taskRef?: TaskReference | null;
}

/** What `runHydraApp` did. */
export interface HydraAppResult {
  exitCode: number;
  /** What the command did: run, multirun, or printed something. */
  command:
    | "run"
    | "multirun"
    | "cfg"
    | "help"
    | "hydra-help"
    | "info"
    | "shell-completion"
    | "version"
    | "error";
  /** The task's return value (run) or the sweep (multirun). */
  job?: JobReturn;
  multirun?: MultirunResult;
}

/** The version line of `--version`. */
export const KILN_HYDRA_VERSION = "Kiln config (Hydra 1.3 compatible)";

function fullError(): boolean {
  return process.env.HYDRA_FULL_ERROR === "1" || process.env.KILN_FULL_ERROR === "1";
}

function describe(e: unknown): string {
  if (e instanceof Error) return fullError() && e.stack ? e.stack : e.message;
  return String(e);
}

/**
 * A task that stopped on purpose (a SystemExit: SIGTERM, Ctrl-C) ends the process with its code, as Python's
 * SystemExit leaving Hydra does; a failure otherwise exits 1.
 */
function exitCodeOf(e: unknown): number {
  return e instanceof SystemExit ? e.code : 1;
}

/** A task stopped on purpose with code 0 (SIGTERM, as Lightning's SIGTERMException): a message, not an error. */
function stoppedCleanly(
  e: SystemExit,
  err: (t: string) => void,
  command: "run" | "multirun",
): HydraAppResult {
  err(`${e.message}\n`);
  return { exitCode: 0, command };
}

/** Parses Hydra's argv grammar and does what it asks; never calls process.exit. */
export async function runHydraApp(
  argv: string[],
  task: TaskFunction,
  opts: HydraAppOptions,
): Promise<HydraAppResult> {
  const out = opts.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = opts.stderr ?? ((t: string) => void process.stderr.write(t));
  let args: HydraArgs;
  try {
    args = parseHydraArgs(argv);
  } catch (e) {
    err(`${opts.appName}: error: ${describe(e)}\n`);
    return { exitCode: 2, command: "error" };
  }
  const appOpts: AppOptions = {
    configDir: args.configPath !== null ? resolve(args.configPath) : opts.configDir,
    extraConfigDir: args.configDir,
    configName: args.configName ?? opts.configName,
    appName: opts.appName,
    warn: opts.warn ?? ((m) => err(`UserWarning: ${m}\n`)),
  };
  // `${now:...}` is cached per invocation: every job of a sweep sees the same timestamps, a new invocation new ones.
  clearResolverCache("now");
  const app = new HydraApp(appOpts);
  const report = (e: unknown, prefix = ""): HydraAppResult => {
    err(`${prefix}${describe(e)}\n`);
    if (!fullError()) err("\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n");
    return { exitCode: 1, command: "error" };
  };
  try {
    if (args.version) {
      out(`${KILN_HYDRA_VERSION}\n`);
      return { exitCode: 0, command: "version" };
    }
    if (args.help) {
      out(appHelp(app, args.overrides, args.resolve, opts.programName ?? opts.appName));
      return { exitCode: 0, command: "help" };
    }
    if (args.resolve && args.cfg === null) {
      throw new Error("The --resolve flag can only be used in conjunction with --cfg or --help");
    }
    if (args.hydraHelp) {
      out(hydraHelp(app, args.overrides, opts.programName ?? opts.appName));
      return { exitCode: 0, command: "hydra-help" };
    }
    const commands =
      Number(args.run) +
      Number(args.cfg !== null) +
      Number(args.multirun) +
      Number(args.shellCompletion) +
      Number(args.info !== null);
    if (commands > 1)
      throw new Error("Only one of --run, --multirun, --cfg, --info and --shell_completion can be specified");
    if (args.cfg !== null) {
      out(showCfg(app, args.overrides, args.cfg, args.package, args.resolve));
      return { exitCode: 0, command: "cfg" };
    }
    if (args.shellCompletion) {
      const program = opts.completion ?? { name: opts.appName, subcommands: [], command: [opts.appName] };
      out(shellCompletion(app, args.overrides, program));
      return { exitCode: 0, command: "shell-completion" };
    }
    if (args.info !== null) {
      out(showInfo(app, args.info, args.overrides, args.infoKey));
      return { exitCode: 0, command: "info" };
    }
    return await runOrSweep(app, args, task, err, report, opts.taskRef ?? null);
  } catch (e) {
    if (e instanceof SweepInterrupted) {
      err(`${describe(e)}\n`);
      return { exitCode: 130, command: "error" };
    }
    return report(e);
  }
}

async function runOrSweep(
  app: HydraApp,
  args: HydraArgs,
  task: TaskFunction,
  err: (t: string) => void,
  report: (e: unknown, prefix?: string) => HydraAppResult,
  taskRef: TaskReference | null,
): Promise<HydraAppResult> {
  const overrides = [...args.overrides];
  let mode = app.getMode(overrides);
  if (mode === null) {
    mode = args.multirun ? "MULTIRUN" : "RUN";
    overrides.push(`hydra.mode=${mode}`);
  } else if (args.multirun && mode === "RUN") {
    err("UserWarning: \n\tRunning Hydra app with --multirun, overriding with `hydra.mode=MULTIRUN`.\n");
    mode = "MULTIRUN";
    overrides.push("hydra.mode=MULTIRUN");
  }
  if (mode === "RUN") {
    const job = await app.run(task, overrides);
    if (job.error instanceof SystemExit && job.error.code === 0)
      return { ...stoppedCleanly(job.error, err, "run"), job };
    if (job.status === "FAILED") {
      const r = report(
        job.error,
        `Error executing job with overrides: [${job.overrides.map((o) => `'${o}'`).join(", ")}]\n`,
      );
      return { ...r, exitCode: exitCodeOf(job.error), job };
    }
    return { exitCode: 0, command: "run", job };
  }
  const multirun = await app.multirun(task, overrides, args.failFast, taskRef);
  const failures = multirun.failed.filter((j) => !(j.error instanceof SystemExit && j.error.code === 0));
  const stop = multirun.failed.find((j) => j.error instanceof SystemExit)?.error as SystemExit | undefined;
  if (stop !== undefined && failures.length === 0)
    return { ...stoppedCleanly(stop, err, "multirun"), multirun };
  if (multirun.failed.length > 0) {
    err(`${multirun.failed.length} of ${multirun.jobs.length} jobs failed:\n`);
    for (const j of multirun.failed) {
      err(`  #${j.num} [${j.overrides.join(" ")}]: ${describe(j.error)}\n`);
    }
    return { exitCode: stop !== undefined ? exitCodeOf(stop) || 1 : 1, command: "multirun", multirun };
  }
  return { exitCode: 0, command: "multirun", multirun };
}
