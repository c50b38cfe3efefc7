// PyTorch's pin_memory for batches: every tensor of a batch (in arrays and plain objects, as default_collate
// builds them) copied into page-locked memory, so that a later `.to("cuda", non_blocking)` copy is faster.
import { Tensor } from "../tensor.js";

/** The batch with each tensor replaced by a pinned copy (the unpinned originals are disposed). */
export function pinBatch<B>(batch: B): B {
  return pin(batch) as B;
}

function pin(value: unknown): unknown {
  if (value instanceof Tensor) {
    if (value.device !== "cpu" || value.isPinned()) return value;
    const pinned = value.pinMemory();
    value.dispose();
    return pinned;
  }
  if (Array.isArray(value)) return value.map(pin);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pin(v)]));
  }
  return value;
}
