// What the loops share (Lightning's loops/utilities.py): the loader type, freeing a batch's tensors, turning
// step outputs into numbers, and running a loop with the global RNG state restored afterwards.
import { getRngState, setRngState } from "../../torch/generator.js";
import type { Tensor } from "../../torch/tensor.js";

/** A dataloader: anything iterable over batches; `length` (DataLoader) or an array gives its size. */
export type Loader = Iterable<unknown>;

/** Frees every tensor reachable in a batch (arrays and plain objects), each once. */
export function disposeBatch(...batches: unknown[]): void {
  const seen = new Set<Tensor>();
  for (const b of batches) collectTensors(b, seen, 0);
  for (const t of seen) if (!t.isDisposed && !t.kept) t.dispose();
}

/** Frees the tensors of `batch` that none of `keep` holds (an intermediate copy of a batch). */
export function disposeBatchExcept(batch: unknown, keep: unknown[]): void {
  const kept = new Set<Tensor>();
  for (const k of keep) collectTensors(k, kept, 0);
  const seen = new Set<Tensor>();
  collectTensors(batch, seen, 0);
  for (const t of seen) if (!kept.has(t) && !t.isDisposed && !t.kept) t.dispose();
}

function collectTensors(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  const t = value as Tensor;
  if (typeof t.dispose === "function" && typeof t.isDisposed === "boolean") {
    out.add(t);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectTensors(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
  }
}

/** Converts step outputs for hooks: tensors become numbers (one element) so nothing outlives the step. */
export function outputsToNumbers(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 6) return value;
  const t = value as Tensor;
  if (typeof t.dispose === "function" && typeof t.item === "function") {
    return t.numel() === 1 ? Number(t.item()) : null;
  }
  if (Array.isArray(value)) return value.map((v) => outputsToNumbers(v, depth + 1));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = outputsToNumbers(v, depth + 1);
    return out;
  }
  return value;
}

/** Runs `fn` with the global RNG state restored afterwards (Lightning's isolate_rng, for the sanity check). */
export async function isolateRng<T>(fn: () => Promise<T>): Promise<T> {
  const saved = getRngState();
  try {
    return await fn();
  } finally {
    setRngState(saved);
    saved.dispose();
  }
}
