/**
 * The globals a torch.save file may name, following torch's `weights_only=True` unpickler: tensor rebuild
 * functions, storage classes, OrderedDict, torch.device/dtype/Size, sets and bytes. Anything else is refused
 * when the GLOBAL opcode is read, before anything could be called.
 */
import { dtypeOfStorageClass, dtypeOfTorchName, elementSize } from "./dtypes.js";
import { PickleError, PyCallable, PyDict, UnsupportedPickleContent } from "./pickle-values.js";
import { type DType, type RawStorage, type RawTensor, TorchDevice, TorchDtype, Tuple } from "./types.js";

/** The value a `torch.<X>Storage` GLOBAL pushes: only used inside persistent ids. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: DType,
  ) {}
}

/** A storage loaded through persistent_load, with the dtype of its storage class. */
export interface TypedStorage extends RawStorage {
  dtype: DType;
}

/** Marks the classes `torch.Tensor` / `torch.nn.parameter.Parameter` for `_rebuild_from_type_v2`. */
class TensorClass {
  constructor(readonly isParameter: boolean) {}
}

function int(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new PickleError(`${what} is not an int`);
  return v;
}

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new PickleError(`${what} is not a tuple`);
  return v.map((x, i) => int(x, `${what}[${i}]`));
}

/** `_rebuild_tensor(storage, offset, size, stride)`, checking the view stays inside its storage. */
function rebuildTensor(args: unknown[], dtypeOverride?: DType): RawTensor {
  const [storage, offset, size, stride] = args;
  if (typeof storage !== "object" || storage === null || !("dtype" in storage)) {
    throw new PickleError("tensor rebuild without a storage");
  }
  const typed = storage as TypedStorage;
  const shape = intList(size, "tensor size");
  const strides = intList(stride, "tensor stride");
  const storageOffset = int(offset, "tensor storage offset");
  if (shape.length !== strides.length) {
    throw new PickleError(`tensor has ${shape.length} sizes but ${strides.length} strides`);
  }
  const dtype = dtypeOverride ?? typed.dtype;
  const numel = (typed.bytes.length / elementSize(dtype)) | 0;
  if (!shape.includes(0)) {
    const last = shape.reduce((acc, n, i) => acc + (n - 1) * strides[i], storageOffset);
    if (storageOffset < 0 || shape.some((n) => n < 0) || last >= numel) {
      throw new PickleError(
        `tensor view (offset ${storageOffset}, size [${shape}], stride [${strides}]) reaches past its ` +
          `storage '${typed.key}' of ${numel} elements`,
      );
    }
  }
  const rawStorage: RawStorage = typed;
  return { dtype, shape, stride: strides, storageOffset, requiresGrad: false, storage: rawStorage };
}

function asParameter(data: unknown, requiresGrad: unknown): RawTensor {
  if (!isTensor(data)) throw new PickleError("_rebuild_parameter without a tensor");
  return { ...data, requiresGrad: requiresGrad === true, isParameter: true };
}

function isTensor(v: unknown): v is RawTensor {
  return typeof v === "object" && v !== null && "storage" in v && "shape" in v;
}

const REBUILD: Record<string, (args: unknown[]) => unknown> = {
  _rebuild_tensor: (args) => rebuildTensor(args),
  _rebuild_tensor_v2: (args) => ({ ...rebuildTensor(args), requiresGrad: args[4] === true }),
  _rebuild_tensor_v3: (args) => {
    const dtype = args[6];
    if (!(dtype instanceof TorchDtype)) throw new PickleError("_rebuild_tensor_v3 without a dtype");
    const known = dtypeOfTorchName(dtype.name);
    if (!known) throw new UnsupportedPickleContent(`tensors of dtype torch.${dtype.name} cannot be loaded`);
    return { ...rebuildTensor(args, known), requiresGrad: args[4] === true };
  },
  _rebuild_parameter: (args) => asParameter(args[0], args[1]),
  _rebuild_parameter_with_state: (args) => asParameter(args[0], args[1]),
};

function orderedDict(args: unknown[]): PyDict {
  const dict = new PyDict(true);
  const items = args[0];
  if (Array.isArray(items)) {
    for (const pair of items) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new PickleError("OrderedDict item is not a pair");
      dict.items.set(pair[0], pair[1]);
    }
  }
  return dict;
}

function device(args: unknown[]): TorchDevice {
  const [type, index] = args;
  if (typeof type !== "string") throw new PickleError("torch.device without a device string");
  return new TorchDevice(typeof index === "number" ? `${type}:${index}` : type);
}

function encodeLatin1(args: unknown[]): Uint8Array {
  const [text, encoding] = args;
  if (typeof text !== "string") throw new PickleError("_codecs.encode without a string");
  if (encoding === "latin1" || encoding === "latin-1") {
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  }
  return new TextEncoder().encode(text);
}

const CALLABLES: Record<string, (args: unknown[]) => unknown> = {
  "collections.OrderedDict": orderedDict,
  "torch.device": device,
  "torch.Size": (args) => Tuple.from(intList(args[0] ?? [], "torch.Size")),
  "builtins.set": (args) => new Set(Array.isArray(args[0]) ? args[0] : []),
  "builtins.frozenset": (args) => new Set(Array.isArray(args[0]) ? args[0] : []),
  "builtins.bytearray": (args) => (args[0] instanceof Uint8Array ? args[0] : new Uint8Array(0)),
  "_codecs.encode": encodeLatin1,
  "torch._tensor._rebuild_from_type_v2": (args) => {
    const [fn, cls, fnArgs] = args;
    if (!(fn instanceof PyCallable) || !(cls instanceof TensorClass) || !Array.isArray(fnArgs)) {
      throw new PickleError("_rebuild_from_type_v2 is only supported for plain tensors and parameters");
    }
    const t = fn.call(fnArgs);
    return cls.isParameter && isTensor(t) ? { ...t, isParameter: true } : t;
  },
};

/**
 * Resolves a GLOBAL against the allowlist. `source` names the file for the error message.
 * Protocol 0-2 pickles name builtins as `__builtin__`, as Python 2 did.
 */
export function resolveTorchGlobal(module: string, name: string, source: string): unknown {
  const mod = module === "__builtin__" ? "builtins" : module;
  const full = `${mod}.${name}`;
  if (mod === "torch._utils" && name in REBUILD) return new PyCallable(full, REBUILD[name]);
  if (full in CALLABLES) return new PyCallable(full, CALLABLES[full]);
  if (mod === "torch") {
    const dtype = dtypeOfStorageClass(name);
    if (dtype) return new StorageType(name, dtype);
    if (name === "Tensor") return new TensorClass(false);
    if (dtypeOfTorchName(name) || /^(complex|uint|float8|qint|quint|cfloat|cdouble)/.test(name)) {
      return new TorchDtype(name);
    }
  }
  if (full === "torch.nn.parameter.Parameter") return new TensorClass(true);
  if (mod === "torch" && name.endsWith("Storage")) {
    throw new UnsupportedPickleContent(
      `${source} holds tensors stored as torch.${name}, a dtype Kiln cannot load ` +
        "(supported: float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool)",
    );
  }
  throw new UnsupportedPickleContent(
    `unsupported global '${full}' in ${source}: only tensors and primitive containers can be loaded ` +
      "(the file holds Python objects that Kiln cannot rebuild; re-save it from Python with " +
      "torch.save of a state_dict)",
  );
}
