// Lightning's _select_ckpt_path for the cluster cases: which checkpoint a stage starts from when the cluster,
// not the user, decides. Under SLURM, a requeued job resumes from the newest hpc_ckpt_<n>.ckpt in
// default_root_dir (what the SIGUSR1 handler saved); under torchrun, workers that the agent restarted
// (TORCHELASTIC_RESTART_COUNT > 0) resume from the run's last checkpoint. Kiln adds the torchrun case, which
// Lightning leaves to the user, because a restart otherwise trains from scratch and repeats the finished epochs.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../../environments/cluster-environment.js";
import { isSlurmLaunched } from "../../environments/slurm.js";
import { isTorchElasticLaunched } from "../../environments/torchelastic.js";
import type { TrainerFn } from "../states.js";

const HPC = /^hpc_ckpt_(\d+)\.ckpt$/;

function hpcVersions(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => HPC.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

/** The newest hpc_ckpt_<n>.ckpt in `dir` (Lightning's _hpc_resume_path), or null. */
export function hpcResumePath(dir: string): string | null {
  const versions = hpcVersions(dir);
  return versions.length === 0 ? null : join(dir, `hpc_ckpt_${Math.max(...versions)}.ckpt`);
}

/** Where the next hpc checkpoint goes: hpc_ckpt_<newest + 1>.ckpt, from 1 (Lightning's hpc_save_path). */
export function hpcSavePath(dir: string): string {
  const versions = hpcVersions(dir);
  return join(dir, `hpc_ckpt_${versions.length === 0 ? 1 : Math.max(...versions) + 1}.ckpt`);
}

/** The stage's checkpoint: `ckptPath` as given, "hpc" resolved, or the cluster's choice when none is given. */
export function selectClusterCkptPath(
  fn: TrainerFn,
  ckptPath: string | null,
  defaultRootDir: string,
  env: Env,
): { ckptPath: string | null; note: string | null } {
  if (ckptPath === null && isSlurmLaunched(env) && hpcResumePath(defaultRootDir) !== null) ckptPath = "hpc";
  if (ckptPath === "hpc") {
    const path = hpcResumePath(defaultRootDir);
    if (path === null) {
      throw new Error(
        `\`.${fn}(ckpt_path="hpc")\` is set but no HPC checkpoint was found (no hpc_ckpt_<n>.ckpt in ` +
          `${defaultRootDir}). Please pass an exact checkpoint path to \`.${fn}(ckpt_path=...)\``,
      );
    }
    return { ckptPath: path, note: `Resuming the requeued SLURM job from ${path}` };
  }
  const restarts = Number(env.TORCHELASTIC_RESTART_COUNT ?? 0);
  if (ckptPath === null && fn === "fit" && isTorchElasticLaunched(env) && restarts > 0) {
    return {
      ckptPath: "last",
      note: `torchrun restarted the workers (TORCHELASTIC_RESTART_COUNT=${restarts}): resuming from the last checkpoint`,
    };
  }
  return { ckptPath, note: null };
}
