/**
 * torch.save for Kiln: pickles a value (tensors in containers) exactly as PyTorch does and writes the zip
 * archive that `torch.load(path, weights_only=True)` reads. File writes are atomic: the archive goes to a
 * temporary file next to the target, is flushed to disk, and only then renamed over the target.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { writeAll, writeAtomic } from "../../common/files.js";
import { elementSize, isDType, storageClassOf } from "./dtypes.js";
import { PersistentId, PickleGlobal, type PickleHook, PickleReduce, Pickler } from "./pickle-writer.js";
import {
  getTensorAdapter,
  isRawTensor,
  type RawStorage,
  type RawTensor,
  SerializationError,
  tuple,
} from "./types.js";
import { type ByteSink, ZipWriter } from "./zip-writer.js";

export interface SaveOptions {
  /** The archive's top folder; default: the file name without its extension, as PyTorch does. */
  archiveName?: string;
  /** The `.data/serialization_id` record (40 digits); random by default. Fixed only for reproducible tests. */
  serializationId?: string;
  /** The setting that chose the file's folder (a config key such as `callbacks.model_checkpoint.dirpath`), for errors. */
  place?: string;
}

/**
 * Saves `value` to `path` in torch.save's format, atomically (src/common/files.ts: a temporary file, fsync,
 * rename; what a killed writer left behind in that folder is removed first). The folder must exist, as for
 * torch.save; a file-system failure is a FileSystemError that names the file and the cause.
 */
export function save(value: unknown, path: string, options: SaveOptions = {}): void {
  const archiveName = options.archiveName ?? archiveNameFor(path);
  writeAtomic(
    path,
    (fd) => {
      const sink = new FileSink(fd);
      writeArchive(sink, value, archiveName, options.serializationId);
      sink.flush();
    },
    { makeFolder: false, action: "save checkpoint", place: options.place },
  );
}

/** The torch.save bytes of `value` in memory (archive folder `archive`, as Python uses for file objects). */
export function saveToBuffer(value: unknown, options: SaveOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  writeArchive(
    { write: (c) => chunks.push(c.slice()) },
    value,
    options.archiveName ?? "archive",
    options.serializationId,
  );
  return Buffer.concat(chunks);
}

/** PyTorch's archive folder for a path: the base name without its last extension (`archive` if empty). */
export function archiveNameFor(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  const stem = dot >= 0 ? base.slice(0, dot) : base;
  return stem.length > 0 ? stem : "archive";
}

function writeArchive(sink: ByteSink, value: unknown, archiveName: string, serializationId?: string): void {
  const storages = new Map<string, { archiveKey: string; storage: RawStorage }>();
  const pickle = new Pickler(tensorHook(storages)).dump(value);
  const zip = new ZipWriter(sink, archiveName);
  const text = (s: string) => new TextEncoder().encode(s);
  zip.addRecord("data.pkl", pickle);
  zip.addRecord(".format_version", text("1"));
  zip.addRecord(".storage_alignment", text("64"));
  zip.addRecord("byteorder", text("little"));
  for (const { archiveKey, storage } of storages.values()) zip.addRecord(`data/${archiveKey}`, storage.bytes);
  zip.addRecord("version", text("3\n"));
  zip.addRecord(".data/serialization_id", text(serializationId ?? randomSerializationId()));
  zip.finish();
}

/** Writes tensors as torch.save does: `_rebuild_tensor_v2(persistent storage, offset, size, stride, ...)`. */
function tensorHook(storages: Map<string, { archiveKey: string; storage: RawStorage }>): PickleHook {
  return (value, p) => {
    const adapter = getTensorAdapter();
    let raw: RawTensor;
    if (adapter?.isTensor(value)) raw = adapter.toRaw(value);
    else if (isRawTensor(value)) raw = value;
    else return false;
    validate(raw, p.currentPath());
    let entry = storages.get(raw.storage.key);
    if (!entry) {
      entry = { archiveKey: String(storages.size), storage: raw.storage };
      storages.set(raw.storage.key, entry);
    }
    const tensorArgs = (requiresGrad: boolean) => [
      new PersistentId([
        "storage",
        new PickleGlobal("torch", storageClassOf(raw.dtype)),
        entry.archiveKey,
        raw.storage.device ?? "cpu",
        raw.storage.numel,
      ]),
      raw.storageOffset,
      tuple(...raw.shape),
      tuple(...raw.stride),
      requiresGrad,
      new PickleReduce("collections", "OrderedDict", []), // backward hooks, never saved (as PyTorch does)
    ];
    const rebuild = (requiresGrad: boolean, obj?: object) =>
      new PickleReduce("torch._utils", "_rebuild_tensor_v2", tensorArgs(requiresGrad), obj);
    if (raw.isParameter) {
      const hooks = new PickleReduce("collections", "OrderedDict", []);
      const args = [rebuild(false), raw.requiresGrad, hooks];
      p.save(new PickleReduce("torch._utils", "_rebuild_parameter", args, value as object));
    } else {
      p.save(rebuild(raw.requiresGrad, value as object));
    }
    return true;
  };
}

function validate(raw: RawTensor, path: string): void {
  const where = `cannot save the tensor at ${path}`;
  if (!isDType(raw.dtype)) throw new SerializationError(`${where}: unsupported dtype '${raw.dtype}'`);
  const expected = raw.storage.numel * elementSize(raw.dtype);
  if (raw.storage.bytes.length !== expected) {
    throw new SerializationError(
      `${where}: its storage has ${raw.storage.bytes.length} bytes, but ${raw.storage.numel} ${raw.dtype} ` +
        `elements need ${expected}`,
    );
  }
  if (raw.shape.length !== raw.stride.length) {
    throw new SerializationError(`${where}: ${raw.shape.length} sizes but ${raw.stride.length} strides`);
  }
  if (!raw.shape.includes(0)) {
    const last = raw.shape.reduce((acc, n, i) => acc + (n - 1) * raw.stride[i], raw.storageOffset);
    if (raw.storageOffset < 0 || last >= raw.storage.numel) {
      throw new SerializationError(
        `${where}: its view reaches past its storage of ${raw.storage.numel} elements`,
      );
    }
  }
}

/** 40 random decimal digits, the shape of PyTorch's serialization id (two zero-padded uint64s). */
function randomSerializationId(): string {
  const b = randomBytes(16);
  return (
    b.readBigUInt64LE(0).toString().padStart(20, "0") + b.readBigUInt64LE(8).toString().padStart(20, "0")
  );
}

/** Buffers small writes (headers) and passes large ones (storages) straight to the file. */
class FileSink implements ByteSink {
  private buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  constructor(private readonly fd: number) {}
  write(chunk: Uint8Array): void {
    if (this.used + chunk.length > this.buffer.length) this.flush();
    if (chunk.length >= this.buffer.length) {
      this.writeAll(chunk);
      return;
    }
    this.buffer.set(chunk, this.used);
    this.used += chunk.length;
  }
  flush(): void {
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
  private writeAll(b: Uint8Array): void {
    writeAll(this.fd, b);
  }
}
