/**
 * A zip reader for torch.save archives: finds the (ZIP64) end records, reads the central directory, and
 * reads one record at a time with positioned reads, so a multi-GB checkpoint never has to fit in one Buffer.
 * Every record's CRC-32 is checked when it is read.
 *
 * Memory is bounded for compressed records (a decompression bomb: a 2 MB file whose data.pkl inflates to
 * 1.5 GB): a record whose declared size is more than `maxInflateRatio` times its compressed size (and over
 * 16 MiB) is refused before anything is inflated, and inflating never goes past the declared size, so a
 * directory that lies about it cannot make it grow either. torch.save stores records uncompressed; only a
 * re-zipped checkpoint has compressed ones. The ratio defaults to 200 (real tensors and pickles deflate far
 * less; all-zero data reaches ~1000) and is raised with KILN_MAX_INFLATE_RATIO or the reader's option.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { crc32, inflateRawSync } from "node:zlib";

/** Bytes that can be read at any offset (a file, or a buffer in tests). */
export interface RandomAccessSource {
  readonly size: number;
  readAt(offset: number, length: number): Uint8Array;
  close(): void;
}

/** A source over bytes already in memory. */
export class BufferSource implements RandomAccessSource {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  readAt(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length);
  }
  close(): void {}
}

/** A source over an open file, read with positioned reads. */
export class FileSource implements RandomAccessSource {
  private fd: number;
  readonly size: number;
  constructor(path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }
  readAt(offset: number, length: number): Uint8Array {
    // A plain, unpooled array: byteOffset 0, so typed-array views of any element size fit on it.
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new ZipFormatError(`unexpected end of file at byte ${offset + done}`);
      done += n;
    }
    return out;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** The default of maxInflateRatio. */
export const DEFAULT_MAX_INFLATE_RATIO = 200;
/** Records up to this inflated size are never refused for their ratio (small pickles compress well). */
const RATIO_FREE_BYTES = 16 * 1024 * 1024;

/** The inflate ratio limit: the option, else $KILN_MAX_INFLATE_RATIO, else the default. */
export function maxInflateRatio(option?: number): number {
  const raw = option ?? process.env.KILN_MAX_INFLATE_RATIO;
  if (raw === undefined || raw === "") return DEFAULT_MAX_INFLATE_RATIO;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1) {
    throw new RangeError(
      `KILN_MAX_INFLATE_RATIO=${raw}: must be a number >= 1 (default ${DEFAULT_MAX_INFLATE_RATIO})`,
    );
  }
  return n;
}

function megabytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/** A record would inflate out of proportion to its compressed size (a decompression bomb); refused unread. */
export class InflateLimitError extends Error {
  override name = "InflateLimitError";
}

/** The archive is not a well-formed zip file; the message says what is wrong. */
export class ZipFormatError extends Error {
  override name = "ZipFormatError";
}

/** One member of the archive, from its central directory entry. */
export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const U32_MAX = 0xffffffff;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, pos: number): number {
  const v = dv.getBigUint64(pos, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`64-bit field too large (${v})`);
  return Number(v);
}

/** Reads the directory of a zip archive and its records. */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private readonly maxRatio: number;

  constructor(
    private readonly source: RandomAccessSource,
    options: { maxInflateRatio?: number } = {},
  ) {
    this.maxRatio = maxInflateRatio(options.maxInflateRatio);
    this.readDirectory();
  }

  /** The names of all records in archive order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The bytes of a record, CRC-checked. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipFormatError(`archive has no record '${name}'`);
    const local = this.source.readAt(entry.localHeaderOffset, 30);
    const lv = view(local);
    if (local.length < 30 || lv.getUint32(0, true) !== LOCAL_SIG) {
      throw new ZipFormatError(`bad local header for '${name}' at byte ${entry.localHeaderOffset}`);
    }
    const dataOffset = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (dataOffset + entry.compressedSize > this.source.size) {
      throw new ZipFormatError(`record '${name}' runs past the end of the file`);
    }
    if (entry.method === 8) this.checkProportion(entry);
    let data = this.source.readAt(dataOffset, entry.compressedSize);
    if (entry.method === 8) {
      try {
        data = inflateRawSync(data, { maxOutputLength: Math.max(entry.size, 1) });
      } catch (e) {
        if ((e as { code?: string }).code !== "ERR_BUFFER_TOO_LARGE") {
          throw new ZipFormatError(`record '${name}' does not inflate: ${(e as Error).message}`);
        }
        throw new ZipFormatError(
          `record '${name}' inflates past the ${entry.size} bytes its directory entry declares`,
        );
      }
    } else if (entry.method !== 0) {
      throw new ZipFormatError(`record '${name}' uses unsupported compression method ${entry.method}`);
    }
    if (data.length !== entry.size) {
      throw new ZipFormatError(`record '${name}' has ${data.length} bytes, directory says ${entry.size}`);
    }
    const actual = crc32(data) >>> 0;
    if (actual !== entry.crc32) {
      throw new ZipFormatError(
        `CRC-32 mismatch in record '${name}' (stored ${hex(entry.crc32)}, computed ${hex(actual)})`,
      );
    }
    return data;
  }

  // Refused before inflating: nothing of the record is read or allocated.
  private checkProportion(entry: ZipEntry): void {
    const ratio = entry.size / Math.max(entry.compressedSize, 1);
    if (entry.size <= RATIO_FREE_BYTES || ratio <= this.maxRatio) return;
    throw new InflateLimitError(
      `record '${entry.name}' would inflate ${megabytes(entry.compressedSize)} to ${megabytes(entry.size)} ` +
        `(${Math.round(ratio)}x), more than the ${this.maxRatio}x allowed: refused before inflating it ` +
        "(torch.save stores records uncompressed; this looks like a decompression bomb). If the file is " +
        `trusted, raise the limit: KILN_MAX_INFLATE_RATIO=${Math.ceil(ratio)}`,
    );
  }

  private readDirectory(): void {
    const size = this.source.size;
    if (size < 22) throw new ZipFormatError(`file is only ${size} bytes, too short for a zip archive`);
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = this.source.readAt(size - tailLength, tailLength);
    const tv = view(tail);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipFormatError("no end-of-central-directory record (file cut short?)");
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (eocd >= 20 && tv.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIG) {
      const zip64At = u64(tv, eocd - 20 + 8);
      const rec = this.source.readAt(zip64At, 56);
      const rv = view(rec);
      if (rec.length < 56 || rv.getUint32(0, true) !== ZIP64_EOCD_SIG) {
        throw new ZipFormatError(`bad ZIP64 end-of-central-directory record at byte ${zip64At}`);
      }
      count = u64(rv, 32);
      cdSize = u64(rv, 40);
      cdOffset = u64(rv, 48);
    }
    if (cdOffset + cdSize > size) {
      throw new ZipFormatError(`central directory (bytes ${cdOffset}..${cdOffset + cdSize}) is past the end`);
    }
    const cd = this.source.readAt(cdOffset, cdSize);
    const cv = view(cd);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      if (pos + 46 > cd.length || cv.getUint32(pos, true) !== CENTRAL_SIG) {
        throw new ZipFormatError(`central directory entry ${i} is damaged`);
      }
      const nameLength = cv.getUint16(pos + 28, true);
      const extraLength = cv.getUint16(pos + 30, true);
      const commentLength = cv.getUint16(pos + 32, true);
      const entry: ZipEntry = {
        name: this.decoder.decode(cd.subarray(pos + 46, pos + 46 + nameLength)),
        method: cv.getUint16(pos + 10, true),
        crc32: cv.getUint32(pos + 16, true),
        compressedSize: cv.getUint32(pos + 20, true),
        size: cv.getUint32(pos + 24, true),
        localHeaderOffset: cv.getUint32(pos + 42, true),
      };
      applyZip64Extra(entry, cd.subarray(pos + 46 + nameLength, pos + 46 + nameLength + extraLength));
      if (entry.localHeaderOffset + 30 > size) {
        throw new ZipFormatError(`record '${entry.name}' starts past the end of the file`);
      }
      this.entries.set(entry.name, entry);
      pos += 46 + nameLength + extraLength + commentLength;
    }
  }
}

/** Replaces 0xFFFFFFFF sizes/offset with their 64-bit values from a ZIP64 extra field, in the spec's order. */
function applyZip64Extra(entry: ZipEntry, extra: Uint8Array): void {
  const ev = view(extra);
  let pos = 0;
  while (pos + 4 <= extra.length) {
    const id = ev.getUint16(pos, true);
    const len = ev.getUint16(pos + 2, true);
    if (id === 0x0001) {
      let p = pos + 4;
      if (entry.size === U32_MAX) {
        entry.size = u64(ev, p);
        p += 8;
      }
      if (entry.compressedSize === U32_MAX) {
        entry.compressedSize = u64(ev, p);
        p += 8;
      }
      if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = u64(ev, p);
      return;
    }
    pos += 4 + len;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
