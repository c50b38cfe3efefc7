/**
 * The trial of the job running in this process (set by the launcher around the task, null outside optimizing
 * sweeps with a pruner): what the template's train task reports its monitored metric to, so the sweeper's
 * pruner can stop the job early.
 */
import type { JobTrial } from "./plugins.js";

let current: JobTrial | null = null;

/** The running job's trial, or null. */
export function currentJobTrial(): JobTrial | null {
  return current;
}

/** Runs `fn` with `trial` as the current job's trial. */
export async function withJobTrial<T>(trial: JobTrial | null, fn: () => Promise<T>): Promise<T> {
  const previous = current;
  current = trial;
  try {
    return await fn();
  } finally {
    current = previous;
  }
}
