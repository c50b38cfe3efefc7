// The command of each rank that a multi-process fit launches (Lightning's _hydra_subprocess_cmd). A rank runs
// the same `kiln` command into rank 0's run folder (under its own job name, without a second .hydra folder).
// In a sweep (-m) the rank runs only its own job: the sweep flag and the sweep's overrides are replaced by the
// job's overrides (hydra.overrides.task), as a single run in the job's folder. Lightning passes sys.argv
// through unchanged there, and its ranks run the whole sweep again.
import { getHydraConfig, ListNode, parseHydraArgs, select, ValueNode } from "../config/index.js";

const SWEEP_FLAGS = new Set(["-m", "--multirun"]);

/**
 * The script and arguments rank `localRank` is launched with, from this process's `argv` (its script and
 * arguments, process.argv.slice(1)); the arguments unchanged outside a Hydra run.
 */
export function rankCommand(localRank: number, argv: readonly string[]): string[] {
  const hydra = getHydraConfig();
  if (hydra === null) return [...argv];
  const runDir = select(hydra, "runtime.output_dir", { default: null });
  if (typeof runDir !== "string" || runDir === "") return [...argv];
  const own = [
    `hydra.run.dir="${runDir}"`,
    `hydra.job.name=train_ddp_process_${localRank}`,
    "hydra.output_subdir=null",
  ];
  if (select(hydra, "mode", { default: null }) !== "MULTIRUN") return [...argv, ...own];
  // argv: script, subcommand, Hydra's flags and overrides. Keep the flags, drop -m and the sweep's overrides,
  // add the job's own overrides.
  const [script, subcommand, ...rest] = argv;
  const sweepOverrides = new Set(parseHydraArgs(rest).overrides);
  const flags = rest.filter((a) => !SWEEP_FLAGS.has(a) && !sweepOverrides.has(a));
  const task = select(hydra, "overrides.task", { default: null }) as unknown;
  const items = task instanceof ListNode ? task.items : [];
  const jobOverrides = items.map((i) => String(i instanceof ValueNode ? i.value : i));
  return [script!, subcommand!, ...flags, ...jobOverrides, ...own];
}

/** Makes a multi-process Trainer started by this task launch its ranks into this run's folder. */
export async function shareRunDirWithRanks(): Promise<void> {
  const { setLaunchedRankCommand } = await import("../lightning/strategies/launcher.js");
  setLaunchedRankCommand(rankCommand);
}
