// The seam between checkpoint serialization (src/torch/serialization, which works on RawTensor and never loads
// libtorch) and real Tensors: storage bytes out for save, tensors rebuilt for load. Views keep their strides and
// offset, and tensors sharing a storage share it in the file and again after loading, as in PyTorch.
// Installed when src/torch/index.ts loads; installing calls nothing native.
import type { DType } from "./dtype.js";
import { type Handle, native } from "./native.js";
import { Parameter } from "./nn/parameter.js";
import {
  type RawStorage,
  type RawTensor,
  setTensorAdapter,
  type TensorAdapter,
} from "./serialization/index.js";
import { Tensor, wrap } from "./tensor.js";

declare module "./native.js" {
  interface NativeAddon {
    storageInfo(h: Handle): { key: string; numel: number; offset: number; stride: number[]; device: string };
    storageBytes(h: Handle): Uint8Array;
    fromStorageBytes(
      bytes: Uint8Array,
      dtype: DType,
      storageNumel: number,
      shape: number[],
      stride: number[],
      storageOffset: number,
      shareWith?: Handle,
    ): Handle;
  }
}

/** A Tensor as torch.save stores it: its whole storage (copied to the CPU), strides and offset. */
export function tensorToRaw(t: Tensor): RawTensor {
  const info = native().storageInfo(t.handle);
  const dtype = t.dtype;
  return {
    dtype,
    shape: t.shape,
    stride: info.stride,
    storageOffset: info.offset,
    requiresGrad: t.requiresGrad,
    isParameter: t instanceof Parameter,
    storage: {
      // The dtype is part of the key: a storage record has one element type.
      key: `${info.key}:${dtype}`,
      bytes: native().storageBytes(t.handle),
      numel: info.numel,
      device: info.device,
    },
  };
}

// The first tensor rebuilt from each loaded storage: later views of that storage share its memory.
const rebuilt = new WeakMap<RawStorage, Tensor>();

/**
 * A CPU Tensor from a loaded RawTensor (a Parameter when one was saved). Tensors of one loaded storage share
 * memory, as they did when saved. The caller owns the result.
 */
export function tensorFromRaw(raw: RawTensor): Tensor {
  const sibling = rebuilt.get(raw.storage);
  const share = sibling && !sibling.isDisposed ? sibling.handle : undefined;
  const { bytes, numel } = raw.storage;
  let t = wrap(
    native().fromStorageBytes(bytes, raw.dtype, numel, raw.shape, raw.stride, raw.storageOffset, share),
  );
  if (raw.isParameter) {
    const p = new Parameter(t, raw.requiresGrad);
    t.dispose();
    t = p;
  } else if (raw.requiresGrad) {
    t.requiresGrad = true;
  }
  if (!share) rebuilt.set(raw.storage, t);
  return t;
}

/** The adapter that lets torch.save / torch.load take and give real Tensors. */
export const tensorAdapter: TensorAdapter<Tensor> = {
  isTensor: (value: unknown): value is Tensor => value instanceof Tensor,
  toRaw: tensorToRaw,
  fromRaw: tensorFromRaw,
};

setTensorAdapter(tensorAdapter as TensorAdapter);

// Re-exported here so that importing save/load through this module installs the adapter first.
export { load, loadFromBuffer, save, saveToBuffer } from "./serialization/index.js";
