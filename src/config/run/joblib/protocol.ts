/** The messages between the joblib launcher and a job's child process (Node IPC, structured clone). */
import type { ChildAppOptions, TaskReference } from "../plugins.js";

/** Parent -> child: run one job. */
export interface JobMessage {
  kind: "job";
  app: ChildAppOptions;
  hydraOverrides: string[];
  configName: string | null;
  overrides: string[];
  idx: number;
  taskRef: TaskReference;
  /** The parent's cached resolver results (`${now:...}`), so the job resolves the same sweep dir. */
  resolverCache: [string, [string, unknown][]][];
  /** The number of the job's trial when the sweeper has one for it (pruning), else null. */
  trialNumber: number | null;
}

/** Parent -> child: the answer to a trial call. */
export interface ReplyMessage {
  kind: "reply";
  id: number;
  value?: boolean;
  error?: string;
}

/** Child -> parent: a call on the job's trial. */
export interface TrialCallMessage {
  kind: "report" | "should_prune";
  id: number;
  value?: number;
  step?: number;
}

/** An error as it crosses the process boundary. */
export interface ErrorData {
  name: string;
  message: string;
  stack: string | undefined;
  /** The job ended because its trial was pruned (optuna.TrialPruned). */
  pruned: boolean;
}

/** Child -> parent: how the job ended. */
export interface ResultMessage {
  kind: "result";
  status: "COMPLETED" | "FAILED";
  returnValue: unknown;
  error: ErrorData | null;
  outputDir: string;
  workingDir: string;
}

/** Anything the child sends. */
export type ChildMessage = TrialCallMessage | ResultMessage;
