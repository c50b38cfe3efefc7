/**
 * Running one job (Hydra 1.3's `run_job`): pick the output dir, record it as `hydra.runtime.output_dir`,
 * write `.hydra/config.yaml` (task config, unresolved), `.hydra/hydra.yaml` and `.hydra/overrides.yaml`,
 * set up the job's logging, call the task with its config, and report how it went. Like Hydra >= 1.2 the
 * working directory is not changed unless `hydra.job.chdir=true`.
 */
import { join, resolve } from "node:path";
import { makeDirs, writeFileAtomic } from "../../common/files.js";
import { setHydraConfig } from "../compose/hydra-context.js";
import {
  copyNode,
  type DictConfig,
  DictNode,
  ListNode,
  select,
  toContainer,
  toView,
  toYaml,
  update,
  type ValueNode,
} from "../omegaconf/index.js";
import type { HydraCallbacks } from "./callbacks.js";
import { configureLogging, type LoggingConfig } from "./logger.js";

/** The task a run calls: it gets the task config (no `hydra` key) and may return a value (e.g. a metric). */
export type TaskFunction = (cfg: DictConfig) => unknown | Promise<unknown>;

/** How one job ended. */
export interface JobReturn {
  status: "COMPLETED" | "FAILED";
  returnValue: unknown;
  error: unknown;
  /** The task overrides of this job (`hydra.overrides.task`). */
  overrides: string[];
  /** The task config the task received. */
  cfg: DictConfig;
  /** The `{hydra: ...}` config of the job. */
  hydraCfg: DictNode;
  outputDir: string;
  workingDir: string;
  jobName: string;
  num: number | null;
}

/** Options of `runJob`. */
export interface RunJobOptions {
  /** The full composed config (task keys and `hydra`). */
  config: DictNode;
  task: TaskFunction;
  /** `hydra.run.dir` for a run, `hydra.sweep.dir` for a sweep job. */
  jobDirKey: string;
  /** `hydra.sweep.subdir` for a sweep job. */
  jobSubdirKey?: string | null;
  configureLogging?: boolean;
  /** `hydra.callbacks` of the run or multirun: told of the job's start and end. */
  callbacks?: HydraCallbacks;
}

function str(v: unknown): string {
  return v === null || v === undefined ? "None" : String(v);
}

/** The value at `path` as plain JS, resolved (containers become objects/arrays). */
export function plainAt(cfg: DictNode, path: string): unknown {
  const n = select(cfg, path, { default: null });
  return n instanceof DictNode || n instanceof ListNode ? toContainer(n, { resolve: true }) : n;
}

/** Configures Hydra's own logging (`hydra.hydra_logging`, `hydra.verbose`) from a composed config. */
export function configureHydraLogging(cfg: DictNode): void {
  configureLogging(
    plainAt(cfg, "hydra.hydra_logging") as LoggingConfig | null,
    plainAt(cfg, "hydra.verbose"),
  );
}

/** Runs one job in its output dir; a failing task gives status FAILED (the error is kept, not thrown). */
export async function runJob(opts: RunJobOptions): Promise<JobReturn> {
  const config = opts.config;
  let outputDir = str(select(config, opts.jobDirKey));
  if (opts.jobSubdirKey) outputDir = join(outputDir, str(select(config, opts.jobSubdirKey)));
  outputDir = resolve(outputDir);
  update(config, "hydra.runtime.output_dir", outputDir, { forceAdd: true, merge: false });
  const hydraNode = config.get("hydra") as DictNode;
  setHydraConfig(hydraNode, config);

  const taskNode = copyNode(config);
  taskNode.delete("hydra");
  const hydraCfg = new DictNode();
  hydraCfg.set("hydra", copyNode(hydraNode));
  setHydraConfig(hydraCfg.get("hydra") as DictNode, taskNode);

  const overridesNode = select(config, "hydra.overrides.task") as ListNode;
  const overrides = overridesNode.items.map((i) => str((i as ValueNode).value));
  // The place errors name: `hydra.run.dir`, or `hydra.sweep.dir`/`hydra.sweep.subdir` for a sweep job.
  const place = opts.jobSubdirKey ? `${opts.jobDirKey} and ${opts.jobSubdirKey}` : opts.jobDirKey;
  makeDirs(outputDir, place);
  const chdir = select(config, "hydra.job.chdir", { default: null }) === true;
  const oldCwd = process.cwd();
  const jobName = str(select(config, "hydra.job.name"));
  const num = select(config, "hydra.job.num", { default: null });
  try {
    if (chdir) process.chdir(outputDir);
    if (opts.configureLogging !== false) {
      configureLogging(
        plainAt(config, "hydra.job_logging") as LoggingConfig | null,
        plainAt(config, "hydra.verbose"),
        process.cwd(),
      );
    }
    const outputSubdir = select(config, "hydra.output_subdir", { default: null });
    if (outputSubdir !== null) {
      const dir = join(outputDir, str(outputSubdir));
      const subPlace = `${place} and hydra.output_subdir`;
      makeDirs(dir, subPlace);
      writeFileAtomic(join(dir, "config.yaml"), toYaml(taskNode), { place: subPlace });
      writeFileAtomic(join(dir, "hydra.yaml"), toYaml(hydraCfg), { place: subPlace });
      writeFileAtomic(join(dir, "overrides.yaml"), toYaml(overridesNode), { place: subPlace });
    }
    const cfgView = toView(taskNode);
    const ret: JobReturn = {
      status: "COMPLETED",
      returnValue: undefined,
      error: undefined,
      overrides,
      cfg: cfgView,
      hydraCfg,
      outputDir,
      workingDir: process.cwd(),
      jobName,
      num: typeof num === "number" ? num : null,
    };
    const restoreEnv = applyEnv(plainAt(config, "hydra.job.env_set") as Record<string, unknown> | null);
    try {
      // As Hydra's run_job: the start hook runs with the job's env_set, the end hook after it is restored.
      await opts.callbacks?.onJobStart(config, opts.task);
      ret.returnValue = await opts.task(cfgView);
    } catch (e) {
      ret.status = "FAILED";
      ret.error = e;
    } finally {
      restoreEnv();
    }
    await opts.callbacks?.onJobEnd(config, ret);
    return ret;
  } finally {
    if (chdir) process.chdir(oldCwd);
  }
}

/** Sets `hydra.job.env_set` variables for the task and returns a function that restores them. */
function applyEnv(env: Record<string, unknown> | null): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env ?? {})) {
    saved.set(k, process.env[k]);
    process.env[k] = str(v);
  }
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
