// Lightning's cluster environments (lightning/fabric/plugins/environments): who started this process and
// where its ranks come from, read from the environment variables a launcher set. Pure functions of a variable
// set (tests feed them recorded ones); what Lightning writes back into os.environ (its MASTER_ADDR/PORT
// defaults) is returned as `exports` for the caller to apply.

/** A set of environment variables (process.env, or a recorded one). */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a cluster environment tells the strategy. */
export interface ClusterEnvironment {
  /** Lightning's class name. */
  readonly name: "LightningEnvironment" | "TorchElasticEnvironment" | "SLURMEnvironment";
  /** Whether the processes were started by the cluster (then Kiln starts none). */
  readonly createsProcessesExternally: boolean;
  /** The address rank 0's store listens on. */
  readonly mainAddress: string;
  /** Its port; null when not given (Lightning's own environment then picks a free one). */
  readonly mainPort: number | null;
  /** The world size and this process's global rank; null where the strategy decides (num_nodes × devices). */
  readonly worldSize: number | null;
  readonly globalRank: number | null;
  readonly localRank: number;
  readonly nodeRank: number;
  /** Variables Lightning sets in os.environ when it reads them (MASTER_ADDR/MASTER_PORT defaults). */
  readonly exports: Readonly<Record<string, string>>;
  /** torchrun's agent: restarts, its store, the error file (TorchElasticEnvironment only). */
  readonly elastic?: ElasticInfo;
  /** The SLURM job (SLURMEnvironment only). */
  readonly slurm?: SlurmInfo;
}

/** What a torchrun agent tells its workers. */
export interface ElasticInfo {
  runId: string;
  /** TORCHELASTIC_RESTART_COUNT: how many times the agent restarted the workers. */
  restartCount: number;
  maxRestarts: number;
  /** TORCHELASTIC_USE_AGENT_STORE: the agent hosts the TCPStore; every rank joins it as a client. */
  useAgentStore: boolean;
  /** TORCHELASTIC_ERROR_FILE: where a failing worker writes its error for the agent to report. */
  errorFile: string | null;
}

/** The SLURM job a task belongs to. */
export interface SlurmInfo {
  /** SLURM_JOB_ID (null in an interactive job), as Lightning's SLURMEnvironment.job_id(). */
  jobId: number | null;
  /** SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID for an array job, else the job id: what scontrol requeues. */
  requeueId: string | null;
}

/** An integer environment variable, with an error naming it when it is not one. */
export function envInt(env: Env, name: string, fallback?: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") {
    if (fallback !== undefined) return fallback;
    throw new Error(
      `The environment variable ${name} is not set; the launcher that started this process must set it.`,
    );
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`The environment variable ${name}=${raw} is not an integer >= 0.`);
  return n;
}

/**
 * Lightning's own environment (LightningEnvironment): a single node or a free cluster. Without LOCAL_RANK,
 * Kiln starts the other local ranks itself; with it, the user's launcher (or Kiln's, on another node) did.
 */
export function lightningEnvironment(env: Env): ClusterEnvironment {
  return {
    name: "LightningEnvironment",
    createsProcessesExternally: env.LOCAL_RANK !== undefined,
    mainAddress: env.MASTER_ADDR ?? "127.0.0.1",
    mainPort: env.MASTER_PORT !== undefined ? envInt(env, "MASTER_PORT") : null,
    worldSize: null,
    globalRank: null,
    localRank: envInt(env, "LOCAL_RANK", 0),
    // NODE_RANK, else torchrun's GROUP_RANK, else 0.
    nodeRank: env.NODE_RANK !== undefined ? envInt(env, "NODE_RANK") : envInt(env, "GROUP_RANK", 0),
    exports: {},
  };
}
