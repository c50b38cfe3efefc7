/**
 * The entry point of a joblib job's child process: receives one job over IPC, composes its config as Hydra's
 * joblib worker does (`load_sweep_config` with the sweep's Hydra overrides and the parent's resolver cache),
 * runs it with Hydra's `run_job` semantics in its output dir, and sends back how it ended. The job's trial
 * (pruning) is a proxy whose calls go to the parent. A lost parent ends the process.
 */
import { TrialPruned } from "../../../optuna/exceptions.js";
import { restoreResolverCache, update } from "../../omegaconf/index.js";
import { withJobTrial } from "../job-trial.js";
import type { JobTrial } from "../plugins.js";
import type { TaskFunction } from "../run-job.js";
import type { ChildMessage, ErrorData, JobMessage, ReplyMessage } from "./protocol.js";

const pending = new Map<number, { resolve: (v: boolean) => void; reject: (e: Error) => void }>();
let nextCall = 0;
let running = false;

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(msg, undefined, {}, (e) => (e ? reject(e) : resolve()));
  });
}

function call(
  kind: "report" | "should_prune",
  extra: { value?: number; step?: number } = {},
): Promise<boolean> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ kind, id, ...extra }).catch(reject);
  });
}

/** The job's trial, answered by the sweeper in the parent. */
function proxyTrial(number: number): JobTrial {
  return {
    number,
    report: async (value, step) => {
      await call("report", { value, step });
    },
    shouldPrune: () => call("should_prune"),
  };
}

function errorData(e: unknown): ErrorData {
  if (e instanceof Error) {
    return { name: e.name, message: e.message, stack: e.stack, pruned: e instanceof TrialPruned };
  }
  return { name: "Error", message: String(e), stack: undefined, pruned: false };
}

/** The value if it survives structured cloning, else its text (a task may return anything). */
function cloneable(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return String(v);
  }
}

async function runJobMessage(m: JobMessage): Promise<void> {
  running = true;
  restoreResolverCache(m.resolverCache);
  const { HydraApp } = await import("../app.js");
  const { runJob } = await import("../run-job.js");
  const app = new HydraApp({ ...m.app, warn: (msg) => process.stderr.write(`UserWarning: ${msg}\n`) });
  const config = app.composeSweepJob(m.hydraOverrides, m.configName, m.overrides);
  update(config, "hydra.job.id", `${m.app.appName}_${m.idx}`, { forceAdd: true, merge: false });
  update(config, "hydra.job.num", m.idx, { forceAdd: true, merge: false });
  const mod = (await import(m.taskRef.module)) as Record<string, unknown>;
  const task = mod[m.taskRef.export];
  if (typeof task !== "function") {
    throw new Error(`${m.taskRef.module} has no exported task function '${m.taskRef.export}'`);
  }
  const trial = m.trialNumber === null ? null : proxyTrial(m.trialNumber);
  // Hydra's joblib worker tells hydra.callbacks of the job's start and end in the worker, as here.
  const { HydraCallbacks } = await import("../callbacks.js");
  const callbacks = await HydraCallbacks.create(config, app.warn);
  const ret = await withJobTrial(trial, () =>
    runJob({
      config,
      task: task as TaskFunction,
      jobDirKey: "hydra.sweep.dir",
      jobSubdirKey: "hydra.sweep.subdir",
      callbacks,
    }),
  );
  await send({
    kind: "result",
    status: ret.status,
    returnValue: cloneable(ret.returnValue),
    error: ret.status === "FAILED" ? errorData(ret.error) : null,
    outputDir: ret.outputDir,
    workingDir: ret.workingDir,
  });
}

process.on("message", (msg: JobMessage | ReplyMessage) => {
  if (msg.kind === "reply") {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(msg.error));
    else p?.resolve(msg.value ?? false);
    return;
  }
  runJobMessage(msg)
    .then(() => process.exit(0))
    .catch(async (e) => {
      // Composition or task loading failed before the job ran: report it as the job's failure.
      await send({
        kind: "result",
        status: "FAILED",
        returnValue: null,
        error: errorData(e),
        outputDir: "",
        workingDir: process.cwd(),
      }).catch(() => {});
      process.exit(1);
    });
});

process.on("disconnect", () => {
  if (running) process.stderr.write("kiln: the sweep's parent process went away; stopping this job\n");
  process.exit(running ? 1 : 0);
});
