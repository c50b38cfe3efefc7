/**
 * hydra-joblib-launcher 1.2 (`hydra/launcher: joblib`): runs a batch's jobs in parallel, each in a fresh child
 * process (joblib's loky backend), at most `n_jobs` at a time (-1: one per CPU, -2: all but one, ...). Jobs get
 * Hydra's numbering, output dirs and `hydra.job.id` (`<job name>_<num>`); libtorch in each child uses
 * KILN_NUM_THREADS when set, else cores / parallel jobs threads. `timeout` (seconds) ends a job that runs
 * longer; the other keys are accepted for compatibility (the plugin, too, always uses loky). Ctrl-C sends
 * SIGINT to every child (they run in their own process groups, so each gets exactly one), waits for them to
 * wind down, and kills any still running after 30 s.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { pyStr } from "../../../common/pyvalue.js";
import { TrialPruned } from "../../../optuna/exceptions.js";
import {
  copyNode,
  type DictNode,
  resolverCacheSnapshot,
  select,
  toView,
  update,
} from "../../omegaconf/index.js";
import { sweepInterrupt } from "../interrupt.js";
import { getLogger } from "../logger.js";
import type { HydraContext, JobTrial, Launcher, LauncherSetup, TaskReference } from "../plugins.js";
import { configureHydraLogging, type JobReturn } from "../run-job.js";
import { sweepOrigin } from "../sweep-origin.js";
import type { ChildMessage, ErrorData, JobMessage, ResultMessage } from "./protocol.js";

const log = getLogger("hydra_plugins.hydra_joblib_launcher._core");
const KILL_AFTER_MS = 30_000;

/** The launcher's keys, with hydra-joblib-launcher 1.2's defaults and order. */
/** joblib's effective worker count for `n_jobs`. */
export function effectiveJobs(nJobs: unknown, cpus = availableParallelism()): number {
  if (nJobs === null || nJobs === undefined) return 1;
  if (typeof nJobs !== "number" || !Number.isInteger(nJobs)) {
    throw new Error(`hydra.launcher.n_jobs: '${String(nJobs)}' is not an integer (-1: one job per CPU)`);
  }
  if (nJobs === 0) throw new Error("hydra.launcher.n_jobs: n_jobs == 0 in Parallel has no meaning");
  return nJobs < 0 ? Math.max(cpus + 1 + nJobs, 1) : nJobs;
}

/** The child entry next to this module (built .js, or the .ts source when run through tsx). */
function childEntry(): string {
  const js = fileURLToPath(new URL("./job-child.js", import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, ".ts");
}

function rebuildError(e: ErrorData): Error {
  const err = e.pruned ? new TrialPruned(e.message) : new Error(e.message);
  if (!e.pruned) err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/** Runs each job of a batch in its own child process, several at a time. */
export class JoblibLauncher implements Launcher {
  private config: DictNode | null = null;
  private context: HydraContext | null = null;
  private taskRef: TaskReference | null = null;

  constructor(readonly conf: Record<string, unknown>) {}

  setup(args: LauncherSetup): void {
    this.config = args.config;
    this.context = args.context;
    this.taskRef = args.taskRef ?? null;
  }

  async launch(
    jobOverrides: string[][],
    initialJobIdx: number,
    trials?: (JobTrial | null)[],
  ): Promise<JobReturn[]> {
    const config = this.config as DictNode;
    const context = this.context as HydraContext;
    if (this.taskRef === null) {
      throw new Error(
        "hydra/launcher=joblib runs each job in a child process, which needs the task as an importable module: pass taskRef ({ module, export }) to runHydraApp (the kiln CLI does), or use the basic launcher",
      );
    }
    configureHydraLogging(config);
    const sweepDir = String(select(config, "hydra.sweep.dir"));
    mkdirSync(sweepDir, { recursive: true });
    const nJobs = effectiveJobs(this.conf.n_jobs);
    const shown = Object.entries(this.conf)
      .filter(([k]) => k !== "_target_")
      .map(([k, v]) => `${k}=${k === "backend" ? "loky" : pyStr(v)}`);
    log.info(`Joblib.Parallel(${shown.join(",")}) is launching ${jobOverrides.length} jobs`);
    log.info(`Launching jobs, sweep output dir : ${sweepDir}`);
    // The plugin numbers these lines within the batch (enumerate), unlike the basic launcher; the jobs
    // themselves get the sweep-wide numbers.
    jobOverrides.forEach((o, i) => {
      log.info(`\t#${i} : ${o.filter((x) => !x.startsWith("hydra.")).join(" ")}`);
    });
    // Compose every job here first: a bad combination fails before any process starts, and the JobReturn
    // carries the job's config as Hydra's does.
    const configs = jobOverrides.map((o, i) => {
      const c = context.loadSweepConfig(config, o);
      update(c, "hydra.job.id", `${String(select(c, "hydra.job.name"))}_${initialJobIdx + i}`, {
        forceAdd: true,
        merge: false,
      });
      update(c, "hydra.job.num", initialJobIdx + i, { forceAdd: true, merge: false });
      return c;
    });
    const parallel = Math.min(nJobs, jobOverrides.length);
    const threads =
      process.env.KILN_NUM_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / parallel)));
    const results: (JobReturn | undefined)[] = new Array(jobOverrides.length);
    const running = new Set<ChildProcess>();
    let next = 0;
    const unsubscribe = sweepInterrupt.onInterrupt(() => {
      for (const child of running) this.stop(child);
    });
    const worker = async (): Promise<void> => {
      while (next < jobOverrides.length && !sweepInterrupt.requested) {
        const i = next++;
        results[i] = await this.runChild(
          configs[i],
          jobOverrides[i],
          initialJobIdx + i,
          trials?.[i] ?? null,
          threads,
          running,
        );
        if (Number(this.conf.verbose) > 0) {
          log.info(
            `[Parallel(n_jobs=${nJobs})]: Done ${results.filter(Boolean).length} out of ${jobOverrides.length}`,
          );
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: parallel }, worker));
    } finally {
      unsubscribe();
    }
    return results.filter((r): r is JobReturn => r !== undefined);
  }

  /** SIGINT to the child's process group, SIGKILL if it is still there after a grace period. */
  private stop(child: ChildProcess): void {
    try {
      process.kill(-child.pid!, "SIGINT");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, KILL_AFTER_MS);
    timer.unref();
    child.once("exit", () => clearTimeout(timer));
  }

  private runChild(
    config: DictNode,
    overrides: string[],
    idx: number,
    trial: JobTrial | null,
    threads: string,
    running: Set<ChildProcess>,
  ): Promise<JobReturn> {
    const { hydraOverrides, configName } = sweepOrigin(this.config as DictNode);
    const { KILN_CLI_MAIN: _notTheCli, ...env } = process.env;
    const child = spawn(process.execPath, [...process.execArgv, childEntry()], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
      detached: true,
      env: { ...env, KILN_NUM_THREADS: threads, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? threads },
    });
    running.add(child);
    const message: JobMessage = {
      kind: "job",
      app: (this.context as HydraContext).app,
      hydraOverrides,
      configName,
      overrides,
      idx,
      taskRef: this.taskRef as TaskReference,
      resolverCache: resolverCacheSnapshot(),
      trialNumber: trial?.number ?? null,
    };
    const timeoutS = typeof this.conf.timeout === "number" ? this.conf.timeout : null;
    return new Promise((resolve) => {
      let result: ResultMessage | null = null;
      let timedOut = false;
      const timer =
        timeoutS === null
          ? null
          : setTimeout(() => {
              timedOut = true;
              this.stop(child);
            }, timeoutS * 1000);
      child.on("message", (m: ChildMessage) => {
        if (m.kind === "result") {
          result = m;
          return;
        }
        const answer =
          m.kind === "report" ? trial!.report(m.value!, m.step!).then(() => true) : trial!.shouldPrune();
        answer.then(
          (value) => child.send({ kind: "reply", id: m.id, value }),
          (e: unknown) =>
            child.send({ kind: "reply", id: m.id, error: e instanceof Error ? e.message : String(e) }),
        );
      });
      child.on("error", (e) => {
        if (child.pid === undefined) {
          running.delete(child);
          resolve(
            this.jobReturn(config, overrides, idx, null, `could not start the job process: ${e.message}`),
          );
          return;
        }
        result ??= {
          kind: "result",
          status: "FAILED",
          returnValue: null,
          error: { name: e.name, message: e.message, stack: e.stack, pruned: false },
          outputDir: "",
          workingDir: "",
        };
      });
      // "close", not "exit": it comes after the IPC channel has delivered the child's last message.
      child.on("close", (code, signal) => {
        running.delete(child);
        if (timer) clearTimeout(timer);
        resolve(
          this.jobReturn(
            config,
            overrides,
            idx,
            result,
            timedOut
              ? `timed out after ${timeoutS} s (hydra.launcher.timeout)`
              : code !== 0 || signal
                ? `job process exited with ${signal ?? `code ${code}`}`
                : null,
          ),
        );
      });
      child.send(message);
    });
  }

  private jobReturn(
    config: DictNode,
    overrides: string[],
    idx: number,
    r: ResultMessage | null,
    died: string | null,
  ): JobReturn {
    const task = copyNode(config);
    task.delete("hydra");
    const hydraCfg = copyNode(config);
    for (const k of hydraCfg.keys()) if (k !== "hydra") hydraCfg.delete(k);
    // A result that arrived counts even if the process then ended badly (e.g. in libtorch's teardown).
    const failed = r === null || r.status === "FAILED";
    let error: Error | undefined;
    if (r?.error) error = rebuildError(r.error);
    else if (failed) error = new Error(died ?? "job process ended without a result");
    return {
      status: failed ? "FAILED" : "COMPLETED",
      returnValue: r?.returnValue,
      error,
      overrides: overrides.filter((o) => !o.startsWith("hydra.")),
      cfg: toView(task),
      hydraCfg,
      outputDir: r?.outputDir ?? "",
      workingDir: r?.workingDir ?? process.cwd(),
      jobName: String(select(config, "hydra.job.name")),
      num: idx,
    };
  }
}
