/** torch.distributed: the default process group (Gloo, NCCL for CUDA), its collectives, DDP, samplers. */
export {
  DistributedDataLoader,
  DistributedSampler,
  type DistributedSamplerOptions,
  UnrepeatedDistributedSampler,
} from "../data/distributed-sampler.js";
export { DistributedDataParallel, type DistributedDataParallelOptions, findTensors } from "./ddp.js";
export { findFreePort } from "./free-port.js";
export {
  allGather,
  allReduce,
  allReduceCoalesced,
  barrier,
  broadcast,
  broadcastCoalesced,
  broadcastObject,
  cudaBackend,
  DEFAULT_TIMEOUT_MS,
  destroyProcessGroup,
  getRank,
  getWorldSize,
  type InitProcessGroupOptions,
  initProcessGroup,
  isInitialized,
  isLoopback,
  isNcclAvailable,
  type ReduceOp,
  requireInitialized,
} from "./process-group.js";
