/**
 * The values that torch.save / torch.load files carry, seen from TypeScript, and the one seam to the tensor
 * layer: serialization works on RawTensor (dtype, shape, strides, raw storage bytes) and a TensorAdapter,
 * installed by the tensor layer, converts real Tensors to and from it. That keeps this folder free of the
 * native addon, so it loads (and is tested) without libtorch.
 */

/** Tensor element types that the torch.save format can carry: the tensor layer's DType (one list). */
import type { DType } from "../dtype.js";

export type { DType };

/** A storage: the flat little-endian bytes that one or more tensors view. */
export interface RawStorage {
  /**
   * Identity of the storage. When saving, tensors whose storages have the same key share one record in the
   * file (as views of one storage do in PyTorch). When loading, the record's key in the archive.
   */
  key: string;
  /** The whole storage, little-endian, `numel * elementSize(dtype)` bytes. */
  bytes: Uint8Array;
  /** Number of elements in the storage (not in the tensor). */
  numel: number;
  /** Where the tensor lived when it was saved (`cpu`, `cuda:0`); loading always gives CPU bytes. */
  device?: string;
}

/** A tensor as torch.save stores it: a strided view into a storage. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  /** Strides in elements, one per dimension. */
  stride: number[];
  /** Offset of element [0, ..., 0] in the storage, in elements. */
  storageOffset: number;
  requiresGrad: boolean;
  storage: RawStorage;
  /** True for an `nn.Parameter` (pickled through `torch._utils._rebuild_parameter`). */
  isParameter?: boolean;
}

/** Converts the tensor layer's Tensor objects to RawTensor and back; installed once by the tensor layer. */
export interface TensorAdapter<T = unknown> {
  /** Whether a value is a Tensor that `toRaw` understands. */
  isTensor(value: unknown): value is T;
  /** The tensor's dtype, shape, strides and CPU storage bytes (copied or viewed). */
  toRaw(tensor: T): RawTensor;
  /** A Tensor built from a loaded RawTensor (tensors sharing `raw.storage` should share memory if possible). */
  fromRaw(raw: RawTensor): T;
}

let installedAdapter: TensorAdapter | undefined;

/** Installs (or, with undefined, removes) the adapter that lets save/load handle real Tensors. */
export function setTensorAdapter(adapter: TensorAdapter | undefined): void {
  installedAdapter = adapter;
}

/** The adapter installed by the tensor layer, if any. */
export function getTensorAdapter(): TensorAdapter | undefined {
  return installedAdapter;
}

/** True for a RawTensor-shaped object (what save accepts without an adapter, and load returns without one). */
export function isRawTensor(value: unknown): value is RawTensor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<RawTensor>;
  return (
    typeof v.dtype === "string" &&
    Array.isArray(v.shape) &&
    Array.isArray(v.stride) &&
    typeof v.storageOffset === "number" &&
    typeof v.storage === "object" &&
    v.storage !== null &&
    v.storage.bytes instanceof Uint8Array
  );
}

/**
 * A Python tuple. JS has none, and the difference matters to Python code reading the file (optimizer `betas`
 * must stay a tuple). An Array subclass so indexing and iteration work; `map`/`filter` give plain arrays.
 */
export class Tuple<T = unknown> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** A Python tuple of the given items. */
export function tuple<T extends unknown[]>(...items: T): Tuple<T[number]> {
  const t = new Tuple<T[number]>();
  t.push(...items);
  return t;
}

/** A `torch.device` value found in a file (e.g. inside a saved config); kept as its string form. */
export class TorchDevice {
  constructor(readonly type: string) {}
  toString(): string {
    return this.type;
  }
}

/** A `torch.dtype` value found in a file (e.g. `torch.float32` in a saved dict). */
export class TorchDtype {
  constructor(readonly name: string) {}
  toString(): string {
    return `torch.${this.name}`;
  }
}

/**
 * Attributes a loaded `OrderedDict` carried besides its items (a PyTorch state_dict's `_metadata`). Stored
 * under this symbol, not enumerable, so the object still looks like a plain dict; save writes them back.
 */
export const pickleAttributes: unique symbol = Symbol("kiln.pickleAttributes");

/**
 * Marks a plain object or Map as a Python `collections.OrderedDict` (what PyTorch's `state_dict()` returns).
 * Loading sets it (not enumerable) on dicts that were OrderedDicts; save writes marked dicts as OrderedDict.
 */
export const orderedDictMarker: unique symbol = Symbol("kiln.orderedDict");

/** Marks `dict` to be saved as a `collections.OrderedDict`, and returns it. */
export function markOrderedDict<T extends object>(dict: T): T {
  Object.defineProperty(dict, orderedDictMarker, { value: true, enumerable: false, configurable: true });
  return dict;
}

/** Every load/save failure: names the file and what is wrong. */
export class SerializationError extends Error {
  override name = "SerializationError";
}
