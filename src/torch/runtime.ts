// Process-wide settings and queries: seeds, thread pools, CUDA, and the memory counters tests rely on.
import {
  memoryStats as cudaMemoryStats,
  maxMemoryAllocated,
  maxMemoryReserved,
  memoryAllocated,
  memoryReserved,
  resetPeakMemoryStats,
} from "./cuda-memory.js";
import { native } from "./native.js";
import { checkThreadCount } from "./thread-limits.js";
import { currentThreadGenerator } from "./transit.js";

/** Seeds the CPU generator and every CUDA device's (in a DataLoader worker: that thread's own generator). */
export function manualSeed(seed: number): void {
  const own = currentThreadGenerator();
  if (own !== null) own.manualSeed(seed);
  else native().manualSeed(seed);
}

/** Intra-op thread count (parallelism inside one op). */
export function getNumThreads(): number {
  return native().getNumThreads();
}

/** Sets the intra-op thread count (1 to what the machine can run: thread-limits.ts). */
export function setNumThreads(n: number): void {
  native().setNumThreads(checkThreadCount(n, "torch.setNumThreads()"));
}

/** Inter-op thread count. */
export function getNumInteropThreads(): number {
  return native().getNumInteropThreads();
}

/** Sets the inter-op thread count: once, before any parallel work (libtorch refuses later calls). */
export function setNumInteropThreads(n: number): void {
  native().setNumInteropThreads(checkThreadCount(n, "torch.setNumInteropThreads()"));
}

/** Live native tensors and the bytes of their storages (each storage counted with the handle that first held it, not again for its views). */
export function memoryStats(): { liveTensors: number; nativeBytes: number } {
  return native().stats();
}

/**
 * How CPU memory is allocated: "system (...)" (glibc's defaults), or "tuned (...)" when KILN_ALLOCATOR=tuned fixed
 * glibc malloc's mmap and trim thresholds at load (native/allocator.cc; it made plain C++ faster, not Kiln).
 */
export function allocatorInfo(): { mode: string } {
  return native().allocatorInfo();
}

/** The libtorch version the addon was built against, and whether that build has CUDA. */
export function buildInfo(): { torchVersion: string; cuda: boolean } {
  return native().buildInfo();
}

/** CUDA queries (PyTorch's torch.cuda). */
export const cuda = {
  /** Whether a CUDA libtorch is loaded and at least one GPU is visible. */
  isAvailable(): boolean {
    return native().cudaIsAvailable();
  },
  /** Number of visible GPUs (0 without CUDA). */
  deviceCount(): number {
    return native().cudaDeviceCount();
  },
  /** Waits for all queued work on a GPU (the current one by default). */
  synchronize(index?: number): void {
    native().cudaSynchronize(index);
  },
  /** Seeds every GPU's generator (manualSeed does it too). */
  manualSeedAll(seed: number): void {
    native().manualSeed(seed);
  },
  /** torch.cuda.memory_stats: the caching allocator's counters by flattened key ("allocated_bytes.all.current"). */
  memoryStats: cudaMemoryStats,
  memoryAllocated,
  maxMemoryAllocated,
  memoryReserved,
  maxMemoryReserved,
  resetPeakMemoryStats,
};
