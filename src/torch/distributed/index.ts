/** torch.distributed: the default process group (Gloo over a TCPStore) and its collectives. */
export {
  DistributedDataLoader,
  DistributedSampler,
  type DistributedSamplerOptions,
  UnrepeatedDistributedSampler,
} from "../data/distributed-sampler.js";
export { findFreePort } from "./free-port.js";
export {
  allGather,
  allReduce,
  allReduceCoalesced,
  barrier,
  broadcast,
  broadcastCoalesced,
  broadcastObject,
  DEFAULT_TIMEOUT_MS,
  destroyProcessGroup,
  getRank,
  getWorldSize,
  type InitProcessGroupOptions,
  initProcessGroup,
  isInitialized,
  type ReduceOp,
} from "./process-group.js";
