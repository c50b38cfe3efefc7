// Tensors between Node threads. A tensor handle belongs to the thread that made it (native/handle.cc keeps one
// table per thread), so a tensor crosses as a number: shareTensors puts it in transit (sharing its storage, no
// copy) and adoptTensors takes it into the receiving thread's table. This is how DataLoader workers hand batches
// to the main thread and the main thread hands them the dataset's tensors.
import type { Generator, GeneratorHandle } from "./generator.js";
import { type Handle, native } from "./native.js";
import { type Tensor, wrapList } from "./tensor.js";

declare module "./native.js" {
  interface NativeAddon {
    shareTensors(handles: Handle[]): number[];
    adoptTensors(ids: number[]): Handle[];
    dropSharedTensors(ids: number[]): void;
    sharedTensorCount(): number;
    useThreadGenerator(g: GeneratorHandle | null): void;
  }
}

/** Puts the tensors in transit to another thread (their storage is shared, not copied); returns one id each. */
export function shareTensors(tensors: readonly Tensor[]): number[] {
  return native().shareTensors(tensors.map((t) => t.handle));
}

/** Takes tensors in transit into this thread (each id once): new tensors this thread owns and disposes. */
export function adoptTensors(ids: readonly number[]): Tensor[] {
  return wrapList(native().adoptTensors([...ids]));
}

/** Releases tensors in transit that will not be adopted (ids already taken are ignored). */
export function dropSharedTensors(ids: readonly number[]): void {
  if (ids.length > 0) native().dropSharedTensors([...ids]);
}

/** The number of tensors in transit in this process (0 once every hand-over is complete). */
export function sharedTensorCount(): number {
  return native().sharedTensorCount();
}

let threadGenerator: Generator | null = null;

/**
 * Makes `generator` (a CPU generator) this thread's default for random factories, seed draws, RNG state and
 * manualSeed, instead of libtorch's process-wide one; null restores the process-wide one. A DataLoader worker
 * thread uses it: as PyTorch's worker processes, it seeds its own generator without moving the main thread's.
 */
export function useThreadGenerator(generator: Generator | null): void {
  native().useThreadGenerator(generator?.handle ?? null);
  threadGenerator = generator;
}

/** This thread's own default generator (set by useThreadGenerator), or null for libtorch's process-wide one. */
export function currentThreadGenerator(): Generator | null {
  return threadGenerator;
}
