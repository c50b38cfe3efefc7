// PyTorch's torch.cuda memory statistics: the CUDA caching allocator's counters (native/addon.cc reads
// c10's DeviceStats) flattened to torch.cuda.memory_stats' keys, and the byte counts read from them.
import type { Device } from "./dtype.js";
import { native } from "./native.js";

/**
 * The allocator's statistics nested as torch.cuda.memory_stats_as_nested_dict: a dict is a plain object, or a
 * list of [key, value] entries where Python keys it by a tuple (private pools by MemPool id).
 */
export type NestedMemoryStats = { [key: string]: MemoryStatsNode };
export type MemoryStatsNode =
  | number
  | NestedMemoryStats
  | ReadonlyArray<readonly [key: string | readonly (string | number)[], value: MemoryStatsNode]>;

declare module "./native.js" {
  interface NativeAddon {
    cudaMemoryStats(index?: number): NestedMemoryStats;
    cudaResetPeakMemoryStats(index?: number): void;
  }
}

/** Where the statistics come from: a GPU index, "cuda" (the current GPU) or "cuda:N"; the current GPU if omitted. */
export type CudaDeviceLike = number | Device | string;

/**
 * torch.cuda.memory_stats' flattening: nested keys joined with ".", a tuple key's parts joined with "_"
 * ((0, 1) -> "0_1"), the whole sorted by key. A Map keeps that order (Python returns an OrderedDict).
 */
export function flattenMemoryStats(nested: MemoryStatsNode): Map<string, number> {
  const out: [string, number][] = [];
  const visit = (prefix: string, node: MemoryStatsNode): void => {
    if (typeof node === "number") {
      out.push([prefix, node]);
      return;
    }
    const head = prefix.length > 0 ? `${prefix}.` : "";
    const entries = Array.isArray(node) ? node : Object.entries(node);
    for (const [key, value] of entries as [string | readonly (string | number)[], MemoryStatsNode][]) {
      visit(head + (typeof key === "string" ? key : key.map(String).join("_")), value);
    }
  };
  visit("", nested);
  out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(out);
}

/** The GPU index a device names (undefined: the current GPU), or an error saying what is accepted. */
export function cudaDeviceIndex(device: CudaDeviceLike | undefined): number | undefined {
  if (device === undefined || device === "cuda") return undefined;
  if (typeof device === "number") {
    if (Number.isInteger(device) && device >= 0) return device;
  } else {
    const m = /^cuda:(\d+)$/.exec(device);
    if (m) return Number(m[1]);
  }
  throw new TypeError(
    `expected a CUDA device (a GPU index, "cuda" or "cuda:N"), got ${JSON.stringify(device)}`,
  );
}

/** torch.cuda.memory_stats: the caching allocator's counters by flattened key, sorted ({} before CUDA allocates). */
export function memoryStats(device?: CudaDeviceLike): Map<string, number> {
  return flattenMemoryStats(native().cudaMemoryStats(cudaDeviceIndex(device)));
}

function stat(device: CudaDeviceLike | undefined, key: string): number {
  return memoryStats(device).get(key) ?? 0;
}

/** torch.cuda.memory_allocated: bytes held by tensors now. */
export function memoryAllocated(device?: CudaDeviceLike): number {
  return stat(device, "allocated_bytes.all.current");
}

/** torch.cuda.max_memory_allocated: the most bytes held by tensors since start or resetPeakMemoryStats. */
export function maxMemoryAllocated(device?: CudaDeviceLike): number {
  return stat(device, "allocated_bytes.all.peak");
}

/** torch.cuda.memory_reserved: bytes the caching allocator holds from the driver now. */
export function memoryReserved(device?: CudaDeviceLike): number {
  return stat(device, "reserved_bytes.all.current");
}

/** torch.cuda.max_memory_reserved: the most bytes reserved since start or resetPeakMemoryStats. */
export function maxMemoryReserved(device?: CudaDeviceLike): number {
  return stat(device, "reserved_bytes.all.peak");
}

/** torch.cuda.reset_peak_memory_stats: every "peak" counter restarts from its current value. */
export function resetPeakMemoryStats(device?: CudaDeviceLike): void {
  native().cudaResetPeakMemoryStats(cudaDeviceIndex(device));
}
