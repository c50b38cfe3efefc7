/**
 * hydra-optuna-sweeper 1.2's OptunaSweeper (`_impl.py`): builds the search space from `params` (and the
 * command line), opens the study (`storage`, `study_name`, load if it exists: a rerun resumes it), then asks
 * `n_jobs` trials at a time, turns each into a job's overrides, has the launcher run the batch and tells each
 * trial the job's return value (the task's optimized metric). A job that fails, or returns no number, makes a
 * FAIL trial; a batch whose failure rate exceeds `max_failure_rate` stops the sweep. The best trial (or, for
 * several directions, the Pareto front) goes to `<sweep dir>/optimization_results.yaml`. Log lines are the
 * plugin's. Beyond the plugin: with `hydra.sweeper.pruner` set, each job gets its trial (see job-trial.ts)
 * and a pruned job ends its trial PRUNED; Ctrl-C marks the trials still running FAIL.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pyRepr } from "../../../common/pyrepr.js";
import { formatPyFloat, pyStr } from "../../../common/pyvalue.js";
import { SystemExit } from "../../../common/system-exit.js";
import { createStudy } from "../../../optuna/create-study.js";
import { FloatDistribution } from "../../../optuna/distributions.js";
import { StopOutsideOptimizeError, TrialPruned } from "../../../optuna/exceptions.js";
import { TrialState } from "../../../optuna/frozen-trial.js";
import type { Pruner } from "../../../optuna/pruners/pruner.js";
import { GridSampler } from "../../../optuna/samplers/grid.js";
import type { Sampler } from "../../../optuna/samplers/sampler.js";
import { RecordedMemoryBackend } from "../../../optuna/storages/journal-file.js";
import { JournalStorage } from "../../../optuna/storages/journal-storage.js";
import type { Study } from "../../../optuna/study.js";
import type { Trial } from "../../../optuna/trial.js";
import { resolveAnyTarget } from "../../instantiate/instantiate.js";
import { type DictNode, select, toView } from "../../omegaconf/index.js";
import { SweepInterrupted, sweepInterrupt } from "../interrupt.js";
import { getLogger } from "../logger.js";
import type { HydraContext, JobTrial, Launcher, Sweeper } from "../plugins.js";
import type { JobReturn, TaskFunction } from "../run-job.js";
import { prunerFromConfig, samplerFromConfig } from "./factories.js";
import { writeOptimizationResults } from "./results.js";
import {
  distributionFromConfig,
  gridChoices,
  type SearchSpace,
  searchSpaceFromOverrides,
} from "./search-space.js";

const log = getLogger("hydra_plugins.hydra_optuna_sweeper._impl");

/** Where a sweep with `storage: null` records its in-memory study (an Optuna journal). */
export const MEMORY_JOURNAL = "optuna_journal.log";

/** A trial that failed, with its job. */
interface Failure {
  error: unknown;
  job: JobReturn;
}

/** The sweeper's config (hydra.sweeper), as the plugin's OptunaSweeperConf. */
export interface OptunaSweeperConf {
  sampler: Record<string, unknown> | null;
  direction: unknown;
  storage: string | null;
  study_name: string | null;
  n_trials: number;
  n_jobs: number;
  max_failure_rate: number;
  search_space: Record<string, Record<string, unknown>> | null;
  params: Record<string, unknown> | null;
  custom_search_space: string | null;
  pruner?: Record<string, unknown> | null;
}

function directionsOf(direction: unknown): string[] {
  const list = Array.isArray(direction) ? direction : [direction];
  return list.map((d, i) => {
    if (d !== "minimize" && d !== "maximize") {
      throw new Error(
        `hydra.sweeper.direction${Array.isArray(direction) ? `[${i}]` : ""}: '${String(d)}' is not minimize or maximize`,
      );
    }
    return d;
  });
}

/** The text a parameter value takes in an override (Python's str(), floats with Python's repr). */
function overrideValue(v: unknown, isFloat: boolean): string {
  if (isFloat && typeof v === "number") return formatPyFloat(v);
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  return String(v);
}

/** Python's float(v) for what a task may return: numbers, and strings that spell one. */
function toFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  throw new TypeError(pyStr(v ?? null));
}

/** The job's value(s) as the plugin reads them: a float (or one float per direction). */
function objectiveValues(ret: JobReturn, nDirections: number): number[] {
  if (ret.status === "FAILED") throw ret.error;
  const shown = Array.isArray(ret.returnValue) ? pyRepr(ret.returnValue) : pyStr(ret.returnValue ?? null);
  if (nDirections === 1) {
    try {
      return [toFloat(ret.returnValue)];
    } catch {
      throw new Error(`Return value must be float-castable. Got '${shown}'.`);
    }
  }
  let values: number[];
  try {
    if (!Array.isArray(ret.returnValue)) throw new TypeError(shown);
    values = ret.returnValue.map(toFloat);
  } catch {
    throw new Error(`Return value must be a list or tuple of float-castable values. Got '${shown}'.`);
  }
  if (values.length !== nDirections) {
    throw new Error(
      `The number of the values and the number of the objectives are mismatched. Expect ${nDirections}, but actually ${values.length}.`,
    );
  }
  return values;
}

/** The trial of a job, seen through JobTrial (report and shouldPrune go to the study's pruner). */
function jobTrialOf(trial: Trial): JobTrial {
  return {
    number: trial.number,
    report: async (value, step) => trial.report(value, step),
    shouldPrune: async () => trial.shouldPrune(),
  };
}

/** Optuna-driven hyperparameter search over Hydra jobs. */
export class OptunaSweeper implements Sweeper {
  private config: DictNode | null = null;
  private context: HydraContext | null = null;
  private launcher: Launcher | null = null;
  private jobIdx = 0;

  constructor(readonly conf: OptunaSweeperConf) {
    if (!(conf.max_failure_rate >= 0.0 && conf.max_failure_rate <= 1.0)) {
      throw new Error(`hydra.sweeper.max_failure_rate: ${conf.max_failure_rate} is not in [0, 1]`);
    }
    if (!Number.isInteger(conf.n_trials) || conf.n_trials < 0) {
      throw new Error(`hydra.sweeper.n_trials: ${conf.n_trials} is not a non-negative integer`);
    }
    if (!Number.isInteger(conf.n_jobs) || conf.n_jobs < 1) {
      throw new Error(
        `hydra.sweeper.n_jobs: ${conf.n_jobs} is not a positive integer (trials asked per batch)`,
      );
    }
  }

  setup(args: { config: DictNode; context: HydraContext; task: TaskFunction; launcher: Launcher }): void {
    this.jobIdx = 0;
    this.config = args.config;
    this.context = args.context;
    this.launcher = args.launcher;
  }

  /**
   * Failed jobs are FAIL trials; only a failure rate above max_failure_rate fails the sweep (it throws then). A job
   * stopped on purpose (a SystemExit: SIGTERM, Ctrl-C in this process) is not tolerated: it ends the sweep.
   */
  toleratesFailure(job: JobReturn): boolean {
    return !(job.error instanceof SystemExit);
  }

  private searchSpace(args: string[]): SearchSpace {
    const { params, search_space: legacy } = this.conf;
    let fromConfig: SearchSpace["distributions"] = {};
    if (legacy !== null && legacy !== undefined) {
      if (params !== null && params !== undefined) {
        log.warning(
          "Both hydra.sweeper.params and hydra.sweeper.search_space are configured.\nHydra will use hydra.sweeper.params for defining search space.\nhttps://hydra.cc/docs/upgrades/1.1_to_1.2/changes_to_sweeper_config/",
        );
      } else {
        log.warning(
          "`hydra.sweeper.search_space` is deprecated and will be removed in the next major release.\nPlease configure with `hydra.sweeper.params`.\nhttps://hydra.cc/docs/upgrades/1.1_to_1.2/changes_to_sweeper_config/",
        );
        fromConfig = Object.fromEntries(
          Object.entries(legacy).map(([k, v]) => [k, distributionFromConfig(k, v)]),
        );
      }
    }
    const lines = Object.entries(params ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    const parsed = searchSpaceFromOverrides([...lines, ...args]);
    const distributions = { ...fromConfig, ...parsed.distributions };
    for (const name of Object.keys(parsed.fixed)) delete distributions[name];
    return { distributions, fixed: parsed.fixed };
  }

  async sweep(taskOverrides: string[]): Promise<JobReturn[][]> {
    const config = this.config as DictNode;
    const space = this.searchSpace(taskOverrides);
    const samplerSpec = samplerFromConfig(this.conf.sampler);
    let nTrials = this.conf.n_trials;
    let sampler: Sampler;
    if (samplerSpec.kind === "grid") {
      const grid = Object.fromEntries(
        Object.entries(space.distributions).map(([k, d]) => [k, gridChoices(k, d)]),
      );
      const gridSampler = new GridSampler(grid, { seed: samplerSpec.seed });
      nTrials = Math.min(nTrials, gridSampler.size);
      log.info(`Updating num of trials to ${nTrials} due to using GridSampler.`);
      sampler = gridSampler;
    } else sampler = samplerSpec.sampler;
    const pruner: Pruner | null = prunerFromConfig(this.conf.pruner);
    const directions = directionsOf(this.conf.direction);
    const extend = this.conf.custom_search_space
      ? ((await resolveAnyTarget(this.conf.custom_search_space)).value as (
          cfg: unknown,
          trial: Trial,
        ) => unknown)
      : null;
    const sweepDir = String(select(config, "hydra.sweep.dir"));
    mkdirSync(sweepDir, { recursive: true });
    const study = createStudy({
      studyName: this.conf.study_name,
      // storage: null keeps the study in memory, as the plugin does; Kiln also records it in the sweep dir.
      storage:
        this.conf.storage ?? new JournalStorage(new RecordedMemoryBackend(join(sweepDir, MEMORY_JOURNAL))),
      sampler,
      pruner,
      directions: directions as ("minimize" | "maximize")[],
      loadIfExists: true,
    });
    log.info(`Study name: ${study.studyName}`);
    log.info(`Storage: ${this.conf.storage ?? "None"}`);
    log.info(`Sampler: ${sampler.pyName ?? sampler.constructor.name}`);
    log.info(`Directions: ${pyRepr(directions)}`);
    const returns: JobReturn[][] = [];
    let toGo = nTrials;
    while (toGo > 0) {
      sweepInterrupt.throwIfRequested();
      const batch = Math.min(toGo, this.conf.n_jobs);
      const trials = Array.from({ length: batch }, () => study.ask());
      const overrides = trials.map((t) => this.configureTrial(t, space, extend));
      let results: JobReturn[];
      try {
        results = await (this.launcher as Launcher).launch(
          overrides,
          this.jobIdx,
          pruner === null ? undefined : trials.map(jobTrialOf),
        );
      } catch (e) {
        this.failRunning(study, trials);
        throw e;
      }
      this.jobIdx += results.length;
      returns.push(results);
      const failures = this.tellBatch(study, trials, results, directions.length);
      if (sweepInterrupt.requested) {
        this.failRunning(study, trials);
        throw new SweepInterrupted("Interrupted by Ctrl-C (SIGINT): the running trials were marked FAIL");
      }
      // SystemExit leaves the plugin's loop in Python (it is no Exception): no further batch, no results file.
      if (results.some((r) => r.error instanceof SystemExit)) {
        this.failRunning(study, trials);
        return returns;
      }
      if (results.length > 0 && failures.length / results.length > this.conf.max_failure_rate) {
        this.failureRateExceeded(failures, results);
      }
      toGo -= batch;
    }
    writeOptimizationResults(study, directions.length, sweepDir, log);
    return returns;
  }

  /** Suggests a trial's parameters and returns its job's overrides (`_configure_trials`). */
  private configureTrial(
    trial: Trial,
    space: SearchSpace,
    extend: ((cfg: unknown, t: Trial) => unknown) | null,
  ): string[] {
    for (const [name, d] of Object.entries(space.distributions)) trial.suggest(name, d);
    for (const [name, value] of Object.entries(space.fixed)) trial.setUserAttr(name, value);
    if (extend) extend(toView(this.config as DictNode), trial);
    const overlap = Object.keys(trial.params).filter((k) => k in trial.userAttrs);
    if (overlap.length > 0) {
      throw new Error(
        `Overlapping fixed parameters and search space parameters found!Overlapping parameters: ${pyRepr(overlap)}`,
      );
    }
    const dists = trial.distributions;
    const params = Object.entries(trial.params).map(
      ([k, v]) => `${k}=${overrideValue(v, dists[k] instanceof FloatDistribution)}`,
    );
    return [...params, ...Object.entries(space.fixed).map(([k, v]) => `${k}=${v}`)];
  }

  /** Tells each trial its job's result; returns the failures (FAIL trials) with their jobs. */
  private tellBatch(study: Study, trials: Trial[], results: JobReturn[], nDirections: number): Failure[] {
    const failures: Failure[] = [];
    trials.forEach((trial, i) => {
      const ret = results[i];
      if (ret === undefined) return; // never launched (Ctrl-C): failRunning marks it
      if (ret.status === "FAILED" && ret.error instanceof TrialPruned) {
        study.tell(trial, null, TrialState.PRUNED);
        log.info(`Trial ${trial.number} pruned. ${ret.error.message}`);
        return;
      }
      try {
        try {
          study.tell(trial, objectiveValues(ret, nDirections), TrialState.COMPLETE);
        } catch (e) {
          // GridSampler stops the study once its grid is done; outside optimize() that throws after the trial
          // was stored, and the plugin ignores it.
          if (!(e instanceof StopOutsideOptimizeError)) throw e;
        }
      } catch (e) {
        if (study.storage.getTrial(trial.trialId).state === TrialState.RUNNING)
          study.tell(trial, null, TrialState.FAIL);
        log.warning(`Failed experiment: ${e instanceof Error ? e.message : String(e)}`);
        failures.push({ error: e, job: ret });
      }
    });
    return failures;
  }

  private failRunning(study: Study, trials: Trial[]): void {
    for (const t of trials) {
      if (study.storage.getTrial(t.trialId).state === TrialState.RUNNING)
        study.tell(t, null, TrialState.FAIL);
    }
  }

  private failureRateExceeded(failures: Failure[], results: JobReturn[]): never {
    const reprs = failures.map(({ error: e }) =>
      e instanceof Error ? `${e.name}(${pyRepr(e.message)})` : pyRepr(e),
    );
    const rate = formatPyFloat(this.conf.max_failure_rate);
    log.error(`Failed [${reprs.join(", ")}] times out of ${results.length} with max_failure_rate=${rate}.`);
    const lines = failures.map(({ error, job }) => {
      const why = error instanceof Error ? error.message : String(error);
      return `  #${job.num ?? "?"} [${job.overrides.join(" ")}]: ${why.split("\n")[0]}`;
    });
    throw new Error(
      `Optuna sweep stopped: ${failures.length} of ${results.length} jobs of the batch failed, more than max_failure_rate=${rate} allows (set hydra.sweeper.max_failure_rate to tolerate failures):\n${lines.join("\n")}`,
    );
  }
}
