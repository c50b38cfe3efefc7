/**
 * torch.load(path, weights_only=True) for Kiln: reads the zip archive, unpickles `data.pkl` with torch's
 * allowlist (never running code), loads each storage record once, and returns plain JS values: dicts with
 * string keys as objects, other dicts as Maps, lists as arrays, tuples as Tuple, tensors through the
 * installed TensorAdapter (RawTensor when none is installed).
 */
import { existsSync, statSync } from "node:fs";
import { elementSize } from "./dtypes.js";
import { unpickle } from "./pickle-reader.js";
import { PickleError, PyDict, UnsupportedPickleContent } from "./pickle-values.js";
import { resolveTorchGlobal, StorageType, type TypedStorage } from "./torch-globals.js";
import {
  getTensorAdapter,
  markOrderedDict,
  pickleAttributes,
  type RawTensor,
  SerializationError,
  Tuple,
} from "./types.js";
import {
  BufferSource,
  FileSource,
  InflateLimitError,
  type RandomAccessSource,
  ZipFormatError,
  ZipReader,
} from "./zip-reader.js";

export interface LoadOptions {
  /** Return RawTensor even when a TensorAdapter is installed. */
  raw?: boolean;
  /** Wrap floats with integral values (`1.0`) in PyFloat, so saving the result again keeps them floats. */
  preserveFloats?: boolean;
  /** Refuse a compressed record that inflates more than this many times its size (default 200; zip-reader.ts). */
  maxInflateRatio?: number;
}

/** Loads a file written by torch.save (Python) or by Kiln's save. */
export function load(path: string, options: LoadOptions = {}): unknown {
  if (!existsSync(path)) throw new SerializationError(`checkpoint '${path}' does not exist`);
  if (statSync(path).isDirectory()) {
    throw new SerializationError(`checkpoint '${path}' is a directory, not a torch.save file`);
  }
  const source = new FileSource(path);
  try {
    return loadFrom(source, `'${path}'`, options);
  } finally {
    source.close();
  }
}

/** Loads torch.save bytes already in memory; `name` appears in error messages. */
export function loadFromBuffer(bytes: Uint8Array, options: LoadOptions & { name?: string } = {}): unknown {
  return loadFrom(new BufferSource(bytes), options.name ?? "<buffer>", options);
}

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a];

function loadFrom(source: RandomAccessSource, name: string, options: LoadOptions): unknown {
  const corrupt = (message: string, cause?: unknown) =>
    new SerializationError(`checkpoint ${name} is corrupt or truncated: ${message}`, { cause });
  if (source.size === 0) throw corrupt("the file is empty");
  const head = source.readAt(0, Math.min(4, source.size));
  if (LEGACY_MAGIC.every((b, i) => head[i] === b)) {
    throw new SerializationError(
      `checkpoint ${name} uses PyTorch's legacy (pre-1.6, non-zip) format, which Kiln cannot read; ` +
        "re-save it from Python with torch.save (the default zip format)",
    );
  }
  if (head[0] !== 0x50 || head[1] !== 0x4b || head[2] !== 0x03 || head[3] !== 0x04) {
    throw new SerializationError(
      `checkpoint ${name} is not a torch.save file (it does not start with a zip header)`,
    );
  }
  try {
    const zip = new ZipReader(source, { maxInflateRatio: options.maxInflateRatio });
    const pkl = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) throw new ZipFormatError("the archive has no <folder>/data.pkl record");
    const prefix = pkl.slice(0, -"data.pkl".length);
    const byteorder = zip.entries.has(`${prefix}byteorder`)
      ? new TextDecoder().decode(zip.read(`${prefix}byteorder`))
      : "little";
    if (byteorder !== "little") {
      throw new SerializationError(
        `checkpoint ${name} was written on a ${byteorder}-endian machine; not supported`,
      );
    }
    const storages = new Map<string, TypedStorage>();
    const persistentLoad = (pid: unknown): TypedStorage => {
      if (!Array.isArray(pid) || pid[0] !== "storage" || !(pid[1] instanceof StorageType)) {
        throw new PickleError(`unsupported persistent id ${JSON.stringify(String(pid))}`);
      }
      const [, type, key, location, numel] = pid as [string, StorageType, unknown, unknown, unknown];
      const cacheKey = `${String(key)}\n${type.dtype}`;
      const cached = storages.get(cacheKey);
      if (cached) return cached;
      const bytes = zip.read(`${prefix}data/${String(key)}`);
      const expected = Number(numel) * elementSize(type.dtype);
      if (bytes.length !== expected) {
        throw new ZipFormatError(
          `storage data/${String(key)} has ${bytes.length} bytes, but ${String(numel)} ${type.dtype} elements need ${expected}`,
        );
      }
      const storage: TypedStorage = {
        key: String(key),
        bytes,
        numel: Number(numel),
        device: String(location),
        dtype: type.dtype,
      };
      storages.set(cacheKey, storage);
      return storage;
    };
    const value = unpickle(
      zip.read(pkl),
      { findGlobal: (m, n) => resolveTorchGlobal(m, n, name), persistentLoad },
      { preserveFloats: options.preserveFloats },
    );
    return new Converter(options.raw === true).convert(value);
  } catch (e) {
    if (e instanceof SerializationError) throw e;
    if (e instanceof UnsupportedPickleContent) throw new SerializationError(e.message, { cause: e });
    if (e instanceof ZipFormatError) throw corrupt(e.message, e);
    if (e instanceof InflateLimitError)
      throw new SerializationError(`checkpoint ${name}: ${e.message}`, { cause: e });
    if (e instanceof PickleError) throw corrupt(`data.pkl: ${e.message}`, e);
    throw e;
  }
}

/** Turns unpickled values into their JS form, preserving sharing (the same object stays the same object). */
class Converter {
  private done = new Map<unknown, unknown>();
  private readonly adapter = getTensorAdapter();
  constructor(private readonly raw: boolean) {}

  convert(v: unknown): unknown {
    if (typeof v !== "object" || v === null) return v;
    const seen = this.done.get(v);
    if (seen !== undefined) return seen;
    if (v instanceof PyDict) return this.dict(v);
    if (Array.isArray(v)) {
      // Lists and tuples are our own fresh arrays: convert their items in place.
      this.done.set(v, v);
      for (let i = 0; i < v.length; i++) v[i] = this.convert(v[i]);
      if (v instanceof Tuple) Object.freeze(v);
      return v;
    }
    if (v instanceof Set) {
      const out = new Set<unknown>();
      this.done.set(v, out);
      for (const item of v) out.add(this.convert(item));
      return out;
    }
    if ("storage" in v && "shape" in v) {
      const { storage, ...rest } = v as RawTensor & { storage: TypedStorage };
      const { dtype: _storageDtype, ...plainStorage } = storage;
      const t: RawTensor = { ...rest, storage: this.storageOf(plainStorage, storage) };
      const out = this.adapter && !this.raw ? this.adapter.fromRaw(t) : t;
      this.done.set(v, out);
      return out;
    }
    return v;
  }

  private storageOf(plain: Omit<TypedStorage, "dtype">, typed: TypedStorage): RawTensor["storage"] {
    // One RawStorage object per loaded storage, so tensors that shared it in Python share it here.
    const seen = this.done.get(typed) as RawTensor["storage"] | undefined;
    if (seen) return seen;
    this.done.set(typed, plain);
    return plain;
  }

  private dict(d: PyDict): unknown {
    const allStrings = [...d.items.keys()].every((k) => typeof k === "string");
    let out: Record<string, unknown> | Map<unknown, unknown>;
    if (allStrings) {
      const obj: Record<string, unknown> = {};
      this.done.set(d, obj);
      for (const [k, val] of d.items) {
        Object.defineProperty(obj, k as string, {
          value: this.convert(val),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      out = obj;
    } else {
      const map = new Map<unknown, unknown>();
      this.done.set(d, map);
      for (const [k, val] of d.items) map.set(this.convert(k), this.convert(val));
      out = map;
    }
    if (d.ordered) markOrderedDict(out);
    if (d.attributes !== undefined) {
      Object.defineProperty(out, pickleAttributes, { value: this.convert(d.attributes), enumerable: false });
    }
    return out;
  }
}
