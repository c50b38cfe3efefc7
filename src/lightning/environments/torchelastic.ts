// Lightning's TorchElasticEnvironment: processes started by torchrun (torch.distributed.run), which sets
// RANK, LOCAL_RANK, WORLD_SIZE, GROUP_RANK, MASTER_ADDR/PORT and TORCHELASTIC_* for every worker.
import { type ClusterEnvironment, type Env, envInt } from "./cluster-environment.js";

/** torch.distributed.is_torchelastic_launched(): TORCHELASTIC_RUN_ID is set. */
export function isTorchElasticLaunched(env: Env): boolean {
  return env.TORCHELASTIC_RUN_ID !== undefined;
}

/** The environment of a worker started by torchrun. */
export function torchElasticEnvironment(env: Env): ClusterEnvironment {
  const exports: Record<string, string> = {};
  if (env.MASTER_ADDR === undefined) exports.MASTER_ADDR = "127.0.0.1";
  if (env.MASTER_PORT === undefined) exports.MASTER_PORT = "12910";
  return {
    name: "TorchElasticEnvironment",
    createsProcessesExternally: true,
    mainAddress: env.MASTER_ADDR ?? "127.0.0.1",
    mainPort: env.MASTER_PORT !== undefined ? envInt(env, "MASTER_PORT") : 12910,
    worldSize: envInt(env, "WORLD_SIZE"),
    globalRank: envInt(env, "RANK"),
    localRank: envInt(env, "LOCAL_RANK"),
    nodeRank: envInt(env, "GROUP_RANK", 0),
    exports,
    elastic: {
      runId: env.TORCHELASTIC_RUN_ID ?? "",
      restartCount: envInt(env, "TORCHELASTIC_RESTART_COUNT", 0),
      maxRestarts: envInt(env, "TORCHELASTIC_MAX_RESTARTS", 0),
      useAgentStore: env.TORCHELASTIC_USE_AGENT_STORE === "True",
      errorFile: env.TORCHELASTIC_ERROR_FILE || null,
    },
  };
}
