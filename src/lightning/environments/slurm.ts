// Lightning's SLURMEnvironment: tasks started by srun, which sets SLURM_NTASKS, SLURM_PROCID, SLURM_LOCALID,
// SLURM_NODEID and the job's node list. The main address is the list's first host; the port comes from the
// job id (its last 4 digits + 15000), as Lightning derives them, unless MASTER_ADDR/MASTER_PORT are set.
import { type ClusterEnvironment, type Env, envInt } from "./cluster-environment.js";

/** Whether the job is an interactive allocation (`srun --job-name=interactive` or bash): not a SLURM run. */
function isInteractive(env: Env): boolean {
  return env.SLURM_JOB_NAME === "bash" || env.SLURM_JOB_NAME === "interactive";
}

/** Lightning's _is_srun_used: SLURM_NTASKS is set outside an interactive job. */
export function isSlurmLaunched(env: Env): boolean {
  return env.SLURM_NTASKS !== undefined && !isInteractive(env);
}

/**
 * The first host of a SLURM node list (Lightning's resolve_root_node_address): `host0 host1`, `host0,host1`
 * and `host[5-9]` / `node[1,5-7]` give host0, host5, node1.
 */
export function resolveRootNodeAddress(nodes: string): string {
  const firstOfRanges = nodes.replace(/\[(.*?)[,-].*\]/g, "$1").replace(/\[(.*?)\]/g, "$1");
  return firstOfRanges.split(" ")[0]!.split(",")[0]!;
}

/** The environment of a task started by srun. */
export function slurmEnvironment(env: Env): ClusterEnvironment {
  const ntasks = envInt(env, "SLURM_NTASKS", 1);
  if (ntasks > 1 && env.SLURM_NTASKS_PER_NODE === undefined) {
    throw new Error(
      `You set \`--ntasks=${ntasks}\` in your SLURM bash script, but this variable is not supported. ` +
        `HINT: Use \`--ntasks-per-node=${ntasks}\` instead.`,
    );
  }
  const exports: Record<string, string> = {};
  let mainAddress = env.MASTER_ADDR;
  if (mainAddress === undefined) {
    mainAddress = resolveRootNodeAddress(env.SLURM_NODELIST ?? "127.0.0.1");
    exports.MASTER_ADDR = mainAddress;
  }
  const jobIdText = env.SLURM_JOB_ID;
  let mainPort = jobIdText !== undefined ? Number(jobIdText.slice(-4)) + 15000 : 12910;
  if (env.MASTER_PORT !== undefined) mainPort = envInt(env, "MASTER_PORT");
  else exports.MASTER_PORT = String(mainPort);
  const jobId = jobIdText !== undefined && /^\d+$/.test(jobIdText) ? Number(jobIdText) : null;
  const arrayJob = env.SLURM_ARRAY_JOB_ID;
  const arrayTask = env.SLURM_ARRAY_TASK_ID;
  return {
    name: "SLURMEnvironment",
    createsProcessesExternally: true,
    mainAddress,
    mainPort,
    worldSize: ntasks,
    globalRank: envInt(env, "SLURM_PROCID"),
    localRank: envInt(env, "SLURM_LOCALID"),
    nodeRank: envInt(env, "SLURM_NODEID"),
    exports,
    slurm: {
      jobId,
      requeueId:
        arrayJob !== undefined && arrayTask !== undefined ? `${arrayJob}_${arrayTask}` : (jobIdText ?? null),
    },
  };
}
