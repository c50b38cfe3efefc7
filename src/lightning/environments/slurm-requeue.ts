// SLURM's auto-requeue, as Lightning's signal connector does it: on the requeue signal (SIGUSR1, which SLURM
// sends some time before the job's end when it was submitted with --signal=SIGUSR1@<seconds>), the trainer
// saves an "hpc" checkpoint and global rank 0 asks SLURM to put the job back in the queue with
// `scontrol requeue <job id>` (array jobs: <array job id>_<task id>). The requeued job then resumes from the
// newest hpc_ckpt_<n>.ckpt (ckpt_path "hpc", taken automatically under SLURM).
import { spawnSync } from "node:child_process";
import type { ClusterEnvironment } from "./cluster-environment.js";

/** What running `scontrol requeue` did. */
export interface RequeueResult {
  jobId: string;
  /** scontrol's exit code (null when it could not be run). */
  code: number | null;
  message: string;
}

/** Runs `scontrol requeue <job>` for the job of `cluster` (found on PATH, as Lightning calls it). */
export function requeueSlurmJob(cluster: ClusterEnvironment): RequeueResult {
  const jobId = cluster.slurm?.requeueId;
  if (!jobId || !/^[0-9_-]+$/.test(jobId)) {
    return {
      jobId: jobId ?? "",
      code: null,
      message: `no SLURM job id to requeue (got ${JSON.stringify(jobId)})`,
    };
  }
  const r = spawnSync("scontrol", ["requeue", jobId], { encoding: "utf8", timeout: 60_000 });
  if (r.error)
    return { jobId, code: null, message: `Requeuing SLURM job ${jobId} failed: ${r.error.message}` };
  if (r.status === 0) return { jobId, code: 0, message: `Requeued SLURM job: ${jobId}` };
  return {
    jobId,
    code: r.status,
    message: `Requeuing SLURM job ${jobId} failed with error code ${r.status}`,
  };
}
