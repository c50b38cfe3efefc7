/**
 * The sweeper and launcher plug-in points (Hydra's Sweeper / Launcher plugins). A sweeper turns the
 * command line into batches of per-job overrides; a launcher runs a batch. Later issues add a TPE
 * sweeper and a parallel launcher by implementing these interfaces and registering them by name.
 */
import type { DictNode } from "../omegaconf/index.js";
import { BasicLauncher, BasicSweeper } from "./basic-sweeper.js";
import type { HydraCallbacks } from "./callbacks.js";
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
}

/** Runs batches of jobs. */
export interface Launcher {
  setup(args: { config: DictNode; context: HydraContext; task: TaskFunction }): void;
  /** Runs the jobs (each a list of overrides), numbering them from `initialJobIdx`. */
  launch(jobOverrides: string[][], initialJobIdx: number): Promise<JobReturn[]>;
}

/** Turns the sweep arguments into jobs and hands them to a launcher. */
export interface Sweeper {
  setup(args: { config: DictNode; context: HydraContext; task: TaskFunction; launcher: Launcher }): void;
  /** Runs the whole sweep; returns the results per batch. */
  sweep(taskOverrides: string[]): Promise<JobReturn[][]>;
}

type Factory<T> = (conf: Record<string, unknown>) => T;

const sweepers = new Map<string, Factory<Sweeper>>();
const launchers = new Map<string, Factory<Launcher>>();
let builtinsRegistered = false;

/** Hydra's core plugins (the basic sweeper and launcher), registered on first use, not on import. */
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
