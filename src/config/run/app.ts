/**
 * A Hydra application (Hydra's `Hydra` class): composes configs for a search path and config name, and
 * runs a task once (RUN) or as a sweep (MULTIRUN) through the configured sweeper and launcher.
 */

import { TrialPruned } from "../../optuna/exceptions.js";
import { type ComposedNodes, composeNodes } from "../compose/compose.js";
import { loadRepository, type RunMode } from "../compose/config-loader.js";
import type { ConfigRepository } from "../compose/repository.js";
import type { DictNode, ListNode, ValueNode } from "../omegaconf/index.js";
import { select } from "../omegaconf/index.js";
import { HydraCallbacks } from "./callbacks.js";
import { sweepInterrupt } from "./interrupt.js";
import { getLogger } from "./logger.js";
import { createLauncher, createSweeper, type HydraContext, type TaskReference } from "./plugins.js";
import { configureHydraLogging, type JobReturn, plainAt, runJob, type TaskFunction } from "./run-job.js";
import { sweepOrigin } from "./sweep-origin.js";

/** Where an app's configs are and what it is called. */
export interface AppOptions {
  configDir?: string | null;
  extraConfigDir?: string | null;
  configName: string | null;
  /** `hydra.job.name` (Hydra: the script name; Kiln: the command, e.g. `train`). */
  appName: string;
  warn?: (message: string) => void;
}

/** Options of one composition through the app. */
export interface AppComposeOptions {
  overrides: string[];
  mode: RunMode;
  validateSweeps?: boolean;
  /** Configure logging from `hydra.hydra_logging`. */
  withLogConfiguration?: boolean;
  configName?: string | null;
}

/** The result of a sweep. */
export interface MultirunResult {
  returns: JobReturn[][];
  jobs: JobReturn[];
  failed: JobReturn[];
  sweepDir: string;
}

/** Composes, runs and sweeps one config tree. */
export class HydraApp {
  constructor(readonly opts: AppOptions) {}

  /** The full composition (task + hydra) with the defaults list and repository. */
  composeConfig(o: AppComposeOptions): ComposedNodes {
    const composed = composeNodes({
      configDir: this.opts.configDir,
      extraConfigDir: this.opts.extraConfigDir,
      configName: o.configName === undefined ? this.opts.configName : o.configName,
      overrides: o.overrides,
      returnHydraConfig: true,
      jobName: this.opts.appName,
      mode: o.mode,
      validateSweeps: o.validateSweeps,
      warn: this.opts.warn,
    });
    this.lastRepo = composed.repo;
    if (o.withLogConfiguration) configureHydraLogging(composed.cfg);
    return composed;
  }

  /** The config groups and options a composition with `overrides` would see, without composing. */
  repository(overrides: string[]): ConfigRepository {
    return loadRepository({
      configDir: this.opts.configDir,
      extraConfigDir: this.opts.extraConfigDir,
      configName: this.opts.configName,
      overrides,
    });
  }

  /** `hydra.mode` as the config sets it (null when unset or when composition fails). */
  getMode(overrides: string[]): RunMode | null {
    try {
      const c = this.composeConfig({ overrides, mode: "MULTIRUN", validateSweeps: false });
      const m = select(c.cfg, "hydra.mode", { default: null });
      return m === "RUN" || m === "MULTIRUN" ? m : null;
    } catch {
      return null;
    }
  }

  /** Runs the task once in `hydra.run.dir`, telling `hydra.callbacks` of the run's and the job's start and end. */
  async run(task: TaskFunction, overrides: string[]): Promise<JobReturn> {
    const { cfg } = this.composeConfig({ overrides, mode: "RUN", withLogConfiguration: true });
    const callbacks = await HydraCallbacks.create(cfg, this.warn);
    await callbacks.onRunStart(cfg, this.opts.configName);
    const ret = await runJob({
      config: cfg,
      task,
      jobDirKey: "hydra.run.dir",
      jobSubdirKey: null,
      callbacks,
    });
    await callbacks.onRunEnd(cfg, this.opts.configName, ret);
    return ret;
  }

  /** One sweep job's config: the sweep's Hydra overrides, then the job's (Hydra's `load_sweep_config`). */
  composeSweepJob(hydraOverrides: string[], configName: string | null, overrides: string[]): DictNode {
    return this.composeConfig({ overrides: [...hydraOverrides, ...overrides], mode: "RUN", configName }).cfg;
  }

  /** Where a callback's failure is reported (Hydra: warnings.warn): `opts.warn`, else a process UserWarning. */
  readonly warn = (message: string): void =>
    this.opts.warn ? this.opts.warn(message) : process.emitWarning(message, "UserWarning");

  /** The context handed to sweepers and launchers. */
  context(callbacks: HydraCallbacks = HydraCallbacks.none()): HydraContext {
    const ctx: HydraContext = {
      loadSweepConfig: (master, overrides) => {
        const { hydraOverrides, configName } = sweepOrigin(master);
        return this.composeSweepJob(hydraOverrides, configName, overrides);
      },
      groupOptions: (group) => this.repo().groupOptions(group, "config"),
      groupExists: (group) => this.repo().groupExists(group),
      callbacks,
      app: {
        configDir: this.opts.configDir ?? null,
        extraConfigDir: this.opts.extraConfigDir ?? null,
        configName: this.opts.configName,
        appName: this.opts.appName,
      },
    };
    return ctx;
  }

  private lastRepo: ConfigRepository | null = null;
  private repo(): ConfigRepository {
    if (!this.lastRepo) throw new Error("HydraApp: compose a config before asking for group options");
    return this.lastRepo;
  }

  /**
   * Runs a sweep: the configured sweeper expands the overrides, the launcher runs the jobs. `taskRef` names
   * the task for launchers that run jobs in child processes. Ctrl-C stops the sweep (see interrupt.ts).
   */
  async multirun(
    task: TaskFunction,
    overrides: string[],
    failFast = false,
    taskRef: TaskReference | null = null,
  ): Promise<MultirunResult> {
    const { cfg } = this.composeConfig({ overrides, mode: "MULTIRUN", withLogConfiguration: true });
    const callbacks = await HydraCallbacks.create(cfg, this.warn);
    await callbacks.onMultirunStart(cfg, this.opts.configName);
    const sweeperConf = plainAt(cfg, "hydra.sweeper") as Record<string, unknown>;
    if (failFast) sweeperConf.fail_fast = true;
    const sweeper = createSweeper(sweeperConf);
    const launcher = createLauncher(plainAt(cfg, "hydra.launcher") as Record<string, unknown>);
    const context = this.context(callbacks);
    launcher.setup({ config: cfg, context, task, taskRef });
    sweeper.setup({ config: cfg, context, task, launcher });
    const taskOverrides = (select(cfg, "hydra.overrides.task") as ListNode).items.map((i) =>
      String((i as ValueNode).value),
    );
    sweepInterrupt.requested = false;
    sweepInterrupt.install();
    let returns: JobReturn[][];
    try {
      returns = await sweeper.sweep(taskOverrides);
    } finally {
      sweepInterrupt.uninstall();
      configureHydraLogging(cfg);
    }
    await callbacks.onMultirunEnd(cfg, this.opts.configName);
    const jobs = returns.flat();
    const result = {
      returns,
      jobs,
      failed: jobs.filter((j) => j.status === "FAILED" && !(sweeper.toleratesFailure?.(j) ?? false)),
      sweepDir: String(select(cfg, "hydra.sweep.dir")),
    };
    logSummary(result);
    return result;
  }
}

function logSummary(r: MultirunResult): void {
  const log = getLogger("hydra");
  const completed = r.jobs.filter((j) => j.status === "COMPLETED").length;
  log.info(`Sweep summary: ${completed} of ${r.jobs.length} jobs completed (${r.sweepDir})`);
  for (const j of r.jobs) {
    const what =
      j.status === "COMPLETED"
        ? `COMPLETED${showValue(j.returnValue)}`
        : j.error instanceof TrialPruned
          ? `PRUNED: ${firstLine(j.error)}`
          : `FAILED: ${firstLine(j.error)}`;
    log.info(`\t#${j.num ?? "?"} : ${j.overrides.join(" ")} -> ${what}`);
  }
}

function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}

function showValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return ` (returned ${v})`;
  return "";
}
