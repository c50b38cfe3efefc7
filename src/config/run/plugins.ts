/**
 * The sweeper and launcher plug-in points (Hydra's Sweeper / Launcher plugins). A sweeper turns the
 * command line into batches of per-job overrides; a launcher runs a batch. Implementations register
 * themselves by the `_target_` names that select them (the basic ones, the Optuna sweeper, the joblib
 * launcher).
 */
import type { DictNode } from "../omegaconf/index.js";
import { BasicLauncher, BasicSweeper } from "./basic-sweeper.js";
import type { HydraCallbacks } from "./callbacks.js";
import { JoblibLauncher } from "./joblib/launcher.js";
import { OptunaSweeper, type OptunaSweeperConf } from "./optuna/sweeper.js";
import type { JobReturn, TaskFunction } from "./run-job.js";

/** What plug-ins may use of the running app. */
export interface HydraContext {
  /** Composes one job's full config from the master config and the job's overrides (RUN mode). */
  loadSweepConfig(master: DictNode, overrides: string[]): DictNode;
  /** Options of a config group (for `glob()` sweeps). */
  groupOptions(group: string): string[];
  /** True when `name` is a config group. */
  groupExists(name: string): boolean;
  /** `hydra.callbacks` of the multirun: a launcher hands them to each job it runs (runJob's `callbacks`). */
  callbacks: HydraCallbacks;
  /** Where the app's configs come from, so that a child process can compose a job's config itself. */
  readonly app: ChildAppOptions;
}

/** The app options a child process needs to compose configs (plain data). */
export interface ChildAppOptions {
  configDir: string | null;
  extraConfigDir: string | null;
  configName: string | null;
  appName: string;
}

/**
 * How a child process finds the task: a module (file URL or path) and the name of its exported TaskFunction.
 * Launchers that run jobs in other processes need it; the in-process launcher calls the task directly.
 */
export interface TaskReference {
  module: string;
  export: string;
}

/**
 * The trial an optimizing sweeper asked for a job: the job reports intermediate values of the metric it
 * returns and asks whether to stop early (the sweeper's pruner decides). Launchers hand each job its own.
 */
export interface JobTrial {
  readonly number: number;
  report(value: number, step: number): Promise<void>;
  shouldPrune(): Promise<boolean>;
}

/** What `setup` gives a launcher. */
export interface LauncherSetup {
  config: DictNode;
  context: HydraContext;
  task: TaskFunction;
  /** The task as a child process imports it (null: the task can only run in this process). */
  taskRef?: TaskReference | null;
}

/** Runs batches of jobs. */
export interface Launcher {
  setup(args: LauncherSetup): void;
  /**
   * Runs the jobs (each a list of overrides), numbering them from `initialJobIdx`; `trials[i]`, when given,
   * is job i's trial (see JobTrial). Resolves when every job has ended, in the order of `jobOverrides`.
   */
  launch(jobOverrides: string[][], initialJobIdx: number, trials?: (JobTrial | null)[]): Promise<JobReturn[]>;
}

/** Turns the sweep arguments into jobs and hands them to a launcher. */
export interface Sweeper {
  setup(args: { config: DictNode; context: HydraContext; task: TaskFunction; launcher: Launcher }): void;
  /** Runs the whole sweep; returns the results per batch. */
  sweep(taskOverrides: string[]): Promise<JobReturn[][]>;
  /**
   * Whether a failed job leaves the sweep successful (an optimizing sweeper records it as a failed trial and
   * stops only past its failure rate). Without this method every failed job fails the sweep.
   */
  toleratesFailure?(job: JobReturn): boolean;
}

type Factory<T> = (conf: Record<string, unknown>) => T;

const sweepers = new Map<string, Factory<Sweeper>>();
const launchers = new Map<string, Factory<Launcher>>();
let builtinsRegistered = false;

/**
 * Hydra's core plugins (the basic sweeper and launcher) and the plug-ins Kiln ships (the Optuna sweeper, the
 * joblib launcher), registered on first use, not on import. Their configs (`hydra/sweeper/optuna`, ...) are
 * built-in configs (`HYDRA_CONFIGS`).
 */
function registerBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  registerLauncher(
    ["kiln.BasicLauncher", "hydra._internal.core_plugins.basic_launcher.BasicLauncher"],
    () => new BasicLauncher(),
  );
  registerSweeper(
    ["kiln.BasicSweeper", "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"],
    (conf) =>
      new BasicSweeper(
        typeof conf.max_batch_size === "number" ? conf.max_batch_size : null,
        (conf.params as Record<string, unknown> | null) ?? null,
        conf.fail_fast === true,
      ),
  );
  registerSweeper(
    ["kiln.OptunaSweeper", "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"],
    (conf) => new OptunaSweeper(conf as unknown as OptunaSweeperConf),
  );
  registerLauncher(
    ["kiln.JoblibLauncher", "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"],
    (conf) => new JoblibLauncher(conf),
  );
}

/** Registers a sweeper under the `_target_` names that select it in `hydra.sweeper`. */
export function registerSweeper(targets: string[], factory: Factory<Sweeper>): void {
  registerBuiltins();
  for (const t of targets) sweepers.set(t, factory);
}

/** Registers a launcher under the `_target_` names that select it in `hydra.launcher`. */
export function registerLauncher(targets: string[], factory: Factory<Launcher>): void {
  registerBuiltins();
  for (const t of targets) launchers.set(t, factory);
}

function create<T>(kind: string, registry: Map<string, Factory<T>>, conf: Record<string, unknown>): T {
  registerBuiltins();
  const target = String(conf._target_ ?? "");
  const factory = registry.get(target);
  if (!factory) {
    throw new Error(
      `Unknown ${kind} '${target}' (hydra.${kind}._target_). Registered: ${[...registry.keys()].sort().join(", ")}`,
    );
  }
  return factory(conf);
}

/** Instantiates the sweeper that `hydra.sweeper` selects. */
export function createSweeper(conf: Record<string, unknown>): Sweeper {
  return create("sweeper", sweepers, conf);
}

/** Instantiates the launcher that `hydra.launcher` selects. */
export function createLauncher(conf: Record<string, unknown>): Launcher {
  return create("launcher", launchers, conf);
}
