/**
 * Hydra's BasicSweeper and BasicLauncher: the cartesian product of the sweeps in command-line order
 * (the first sweep varies slowest, as itertools.product), run one job after another in
 * `hydra.sweep.dir/hydra.sweep.subdir`. Unlike Hydra, a failed job does not end the sweep unless
 * `hydra.sweeper.fail_fast=true`; every job is reported in a summary at the end.
 */
import { join } from "node:path";
import { makeDirs, writeFileAtomic } from "../../common/files.js";
import { SystemExit } from "../../common/system-exit.js";
import { TrialPruned } from "../../optuna/exceptions.js";
import { jobOverrideStrings } from "../compose/override-adapter.js";
import { type DictNode, select, toYaml, update } from "../omegaconf/index.js";
import { sweepInterrupt } from "./interrupt.js";
import { withJobTrial } from "./job-trial.js";
import { getLogger } from "./logger.js";
import type { HydraContext, JobTrial, Launcher, LauncherSetup, Sweeper } from "./plugins.js";
import { configureHydraLogging, type JobReturn, runJob, type TaskFunction } from "./run-job.js";

const log = getLogger("hydra");

/** Cartesian product, first list varying slowest. */
export function cartesian<T>(lists: T[][]): T[][] {
  let out: T[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((x) => [...prefix, x]));
  return out;
}

/** Runs jobs one after another in this process (after Ctrl-C, no further job starts). */
export class BasicLauncher implements Launcher {
  private config: DictNode | null = null;
  private context: HydraContext | null = null;
  private task: TaskFunction | null = null;
  /** Stop launching after the first failed job. */
  failFast = false;

  setup(args: LauncherSetup): void {
    this.config = args.config;
    this.context = args.context;
    this.task = args.task;
  }

  async launch(
    jobOverrides: string[][],
    initialJobIdx: number,
    trials?: (JobTrial | null)[],
  ): Promise<JobReturn[]> {
    const config = this.config as DictNode;
    const context = this.context as HydraContext;
    makeDirs(String(select(config, "hydra.sweep.dir")), "hydra.sweep.dir");
    log.info(`Launching ${jobOverrides.length} jobs locally`);
    const runs: JobReturn[] = [];
    for (let i = 0; i < jobOverrides.length; i++) {
      if (sweepInterrupt.requested) break;
      const idx = initialJobIdx + i;
      const overrides = jobOverrides[i];
      // Each job switches logging to its job_logging; Hydra's own lines go back to hydra_logging.
      configureHydraLogging(config);
      log.info(`\t#${idx} : ${overrides.filter((o) => !o.startsWith("hydra.")).join(" ")}`);
      const sweepConfig = context.loadSweepConfig(config, overrides);
      update(sweepConfig, "hydra.job.id", String(idx), { forceAdd: true, merge: false });
      update(sweepConfig, "hydra.job.num", idx, { forceAdd: true, merge: false });
      const ret = await withJobTrial(trials?.[i] ?? null, () =>
        runJob({
          config: sweepConfig,
          task: this.task as TaskFunction,
          jobDirKey: "hydra.sweep.dir",
          jobSubdirKey: "hydra.sweep.subdir",
          callbacks: context.callbacks,
        }),
      );
      runs.push(ret);
      // A job stopped on purpose (SIGTERM, Ctrl-C: a SystemExit) ends the sweep, as in Python, where the
      // exception leaves the sweeper's loop.
      if (ret.error instanceof SystemExit) break;
      if (ret.status === "FAILED" && ret.error instanceof TrialPruned)
        log.info(`Job #${idx} pruned: ${errorLine(ret.error)}`);
      else if (ret.status === "FAILED") {
        log.error(`Job #${idx} failed: ${errorLine(ret.error)}`);
        if (this.failFast) break;
      }
    }
    return runs;
  }
}

function errorLine(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}

/** Expands sweeps to the cartesian product and runs the jobs in batches. */
export class BasicSweeper implements Sweeper {
  private config: DictNode | null = null;
  private context: HydraContext | null = null;
  private launcher: Launcher | null = null;

  constructor(
    private readonly maxBatchSize: number | null = null,
    private readonly params: Record<string, unknown> | null = null,
    readonly failFast = false,
  ) {}

  setup(args: { config: DictNode; context: HydraContext; task: TaskFunction; launcher: Launcher }): void {
    this.config = args.config;
    this.context = args.context;
    this.launcher = args.launcher;
    if (args.launcher instanceof BasicLauncher) args.launcher.failFast = this.failFast;
  }

  /** The jobs of a sweep: one list of `key=value` overrides per job, in Hydra's order. */
  splitArguments(taskOverrides: string[]): string[][] {
    const context = this.context as HydraContext;
    const params = Object.entries(this.params ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    const perKey = new Map<string, string[]>();
    for (const [key, values] of jobOverrideStrings([...params, ...taskOverrides], context))
      perKey.set(key, values);
    return cartesian([...perKey.values()]);
  }

  async sweep(taskOverrides: string[]): Promise<JobReturn[][]> {
    const config = this.config as DictNode;
    const jobs = this.splitArguments(taskOverrides);
    const sweepDir = String(select(config, "hydra.sweep.dir"));
    writeFileAtomic(join(sweepDir, "multirun.yaml"), toYaml(config), { place: "hydra.sweep.dir" });
    // Compose every job first, as Hydra does, so a bad combination fails before anything runs.
    for (const overrides of jobs) (this.context as HydraContext).loadSweepConfig(config, overrides);
    const size = this.maxBatchSize && this.maxBatchSize > 0 ? this.maxBatchSize : Math.max(jobs.length, 1);
    const returns: JobReturn[][] = [];
    let idx = 0;
    for (let start = 0; start < jobs.length; start += size) {
      const batch = jobs.slice(start, start + size);
      const results = await (this.launcher as Launcher).launch(batch, idx);
      returns.push(results);
      idx += batch.length;
      if (results.some((r) => r.error instanceof SystemExit)) break;
      if (this.failFast && results.some((r) => r.status === "FAILED")) break;
    }
    return returns;
  }
}
