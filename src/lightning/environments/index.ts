// Which cluster environment started this process, in Lightning's order (its accelerator connector):
// TorchElastic first (torchrun may run inside a SLURM job), then SLURM, else Lightning's own.
import { type ClusterEnvironment, type Env, lightningEnvironment } from "./cluster-environment.js";
import { isSlurmLaunched, slurmEnvironment } from "./slurm.js";
import { isTorchElasticLaunched, torchElasticEnvironment } from "./torchelastic.js";

export {
  type ClusterEnvironment,
  type ElasticInfo,
  type Env,
  envInt,
  lightningEnvironment,
  type SlurmInfo,
} from "./cluster-environment.js";
export { elasticErrorRecord, recordElasticError } from "./elastic-error.js";
export { isSlurmLaunched, resolveRootNodeAddress, slurmEnvironment } from "./slurm.js";
export { type RequeueResult, requeueSlurmJob } from "./slurm-requeue.js";
export { isTorchElasticLaunched, torchElasticEnvironment } from "./torchelastic.js";

/** The cluster environment of a process with the variables `env` (Lightning's detection order). */
export function detectClusterEnvironment(env: Env): ClusterEnvironment {
  if (isTorchElasticLaunched(env)) return torchElasticEnvironment(env);
  if (isSlurmLaunched(env)) return slurmEnvironment(env);
  return lightningEnvironment(env);
}

/**
 * Lightning's validate_settings: the Trainer's devices and num_nodes must describe the world the cluster
 * started (torchrun: devices × num_nodes = WORLD_SIZE; SLURM: devices = --ntasks-per-node, num_nodes =
 * --nodes). Throws Lightning's message with the hint.
 */
export function validateClusterSettings(
  cluster: ClusterEnvironment,
  env: Env,
  numDevices: number,
  numNodes: number,
): void {
  if (cluster.name === "TorchElasticEnvironment" && numDevices * numNodes !== cluster.worldSize) {
    throw new Error(
      `You set \`devices=${numDevices}\` and \`num_nodes=${numNodes}\` in Lightning, but the product ` +
        `(${numDevices} * ${numNodes}) does not match the world size (${cluster.worldSize}).`,
    );
  }
  if (cluster.name === "SLURMEnvironment") {
    const perNode = env.SLURM_NTASKS_PER_NODE;
    if (perNode !== undefined && Number(perNode) !== numDevices) {
      throw new Error(
        `You set \`devices=${numDevices}\` in Lightning, but the number of tasks per node configured in SLURM ` +
          `\`--ntasks-per-node=${perNode}\` does not match. HINT: Set \`devices=${perNode}\`.`,
      );
    }
    const nodes = env.SLURM_NNODES;
    if (nodes !== undefined && Number(nodes) !== numNodes) {
      throw new Error(
        `You set \`num_nodes=${numNodes}\` in Lightning, but the number of nodes configured in SLURM ` +
          `\`--nodes=${nodes}\` does not match. HINT: Set \`num_nodes=${nodes}\`.`,
      );
    }
  }
}
