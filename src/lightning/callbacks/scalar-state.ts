/**
 * Callback state values that Lightning keeps as 0-d float32 tensors (ModelCheckpoint's scores, EarlyStopping's
 * best_score). Callbacks hold plain numbers; their stateDict() writes torch.save-ready raw tensors (no native
 * tensor to free), and loadStateDict() accepts whatever a checkpoint gives back: a Tensor, a raw tensor, or a
 * number.
 */
import type { RawTensor } from "../../torch/serialization/index.js";

let nextKey = 0;

/** A 0-d float32 tensor holding `value`, in the form torch.save writes (Lightning's `torch.tensor(x)`). */
export function scalarTensor(value: number): RawTensor {
  const bytes = new Uint8Array(new Float32Array([value]).buffer);
  return {
    dtype: "float32",
    shape: [],
    stride: [],
    storageOffset: 0,
    requiresGrad: false,
    storage: { key: `kiln-callback-scalar-${nextKey++}`, bytes, numel: 1, device: "cpu" },
  };
}

/** The number inside a state value: a number, a one-element Tensor (freed here) or a raw float tensor. */
export function scalarValue(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "object") {
    const t = value as { item?: () => number | boolean; dispose?: () => void };
    if (typeof t.item === "function") {
      const n = Number(t.item());
      return n;
    }
    const raw = value as Partial<RawTensor>;
    if (raw.storage?.bytes instanceof Uint8Array && typeof raw.dtype === "string")
      return rawNumber(raw as RawTensor);
  }
  throw new TypeError(`expected a number or a one-element tensor in the callback state, got ${typeof value}`);
}

function rawNumber(raw: RawTensor): number {
  const { bytes } = raw.storage;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i = raw.storageOffset;
  switch (raw.dtype) {
    case "float32":
      return view.getFloat32(i * 4, true);
    case "float64":
      return view.getFloat64(i * 8, true);
    case "int64":
      return Number(view.getBigInt64(i * 8, true));
    case "int32":
      return view.getInt32(i * 4, true);
    default:
      throw new TypeError(`unsupported dtype ${raw.dtype} for a callback state scalar`);
  }
}

/** Rounds to float32, as Lightning's scores are float32 tensors. */
export function f32(value: number): number {
  return Math.fround(value);
}
