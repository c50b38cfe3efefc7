// Lightning's _hydra_subprocess_cmd: the ranks a multi-process fit launches re-run the same command and must
// write into rank 0's run folder (under their own job name, without a second .hydra folder).
import { getHydraConfig, select } from "../config/index.js";

/** The Hydra overrides rank `localRank` is launched with, or [] outside a Hydra run. */
export function rankOverrides(localRank: number): string[] {
  const hydra = getHydraConfig();
  if (hydra === null) return [];
  const runDir = select(hydra, "runtime.output_dir", { default: null });
  if (typeof runDir !== "string" || runDir === "") return [];
  return [
    `hydra.run.dir="${runDir}"`,
    `hydra.job.name=train_ddp_process_${localRank}`,
    "hydra.output_subdir=null",
  ];
}

/** Makes a multi-process Trainer started by this task launch its ranks into this run's folder. */
export async function shareRunDirWithRanks(): Promise<void> {
  const { setLaunchedRankArgs } = await import("../lightning/strategies/launcher.js");
  setLaunchedRankArgs(rankOverrides);
}
