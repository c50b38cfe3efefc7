/**
 * The zip container of torch.save, written byte for byte as PyTorch's PyTorchStreamWriter (miniz) writes it:
 * stored records, a data descriptor after each non-empty record, every record's data aligned to 64 bytes by
 * an `FB` extra field padded with `Z`, and a ZIP64 end record always present. Offsets and sizes past 4 GiB
 * get ZIP64 extra fields the way miniz places them, so PyTorch's own reader (and Python's zipfile) accept them.
 */
import { crc32 } from "node:zlib";

/** Where the archive bytes go, in order. */
export interface ByteSink {
  write(chunk: Uint8Array): void;
}

const U32_MAX = 0xffffffff;
const LOCAL_HEADER_SIZE = 30;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;

/** Little-endian field writer over a fresh buffer. */
class Fields {
  readonly bytes: Uint8Array;
  private view: DataView;
  private pos = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(v: number): this {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
}

/** miniz's ZIP64 extended-information extra field with only the values that overflow 32 bits. */
function zip64Extra(size: number, offset: number): Uint8Array {
  const bigSize = size >= U32_MAX;
  const bigOffset = offset >= U32_MAX;
  if (!bigSize && !bigOffset) return new Uint8Array(0);
  const dataLen = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
  const f = new Fields(4 + dataLen).u16(0x0001).u16(dataLen);
  if (bigSize) f.u64(size).u64(size);
  if (bigOffset) f.u64(offset);
  return f.bytes;
}

/**
 * PyTorch's alignment padding (caffe2 getPadding): an `FB` extra field whose length makes the record's data
 * start on a multiple of `alignment`, accounting for the ZIP64 extra that precedes it.
 */
export function alignmentExtra(
  cursor: number,
  nameLength: number,
  size: number,
  alignment: number,
): Uint8Array {
  const start = cursor + LOCAL_HEADER_SIZE + nameLength + 4 + zip64Extra(size, cursor).length;
  const padding = (alignment - (start % alignment)) % alignment;
  const f = new Fields(4 + padding).u16(0x4246).u16(padding);
  f.bytes.fill(0x5a, 4); // 'Z'
  return f.bytes;
}

/** Writes a torch.save zip archive record by record to a sink. */
export class ZipWriter {
  private cursor = 0;
  private centralDirectory: Uint8Array[] = [];
  private recordCount = 0;
  private readonly encoder = new TextEncoder();

  /** `folder` is the archive's top folder (`archive`, or the file-name stem as Python uses). */
  constructor(
    private readonly sink: ByteSink,
    private readonly folder: string,
    private readonly alignment = 64,
  ) {}

  /** Bytes written so far. */
  get size(): number {
    return this.cursor;
  }

  /** Adds `<folder>/<name>` holding the concatenation of `chunks`. */
  addRecord(name: string, chunks: Uint8Array | readonly Uint8Array[]): void {
    const parts = chunks instanceof Uint8Array ? [chunks] : chunks;
    const fullName = this.encoder.encode(`${this.folder}/${name}`);
    const size = parts.reduce((n, p) => n + p.length, 0);
    const offset = this.cursor;
    const z64 = zip64Extra(size, offset);
    const pad = alignmentExtra(offset, fullName.length, size, this.alignment);
    const flags = FLAG_UTF8 | (size > 0 ? FLAG_DATA_DESCRIPTOR : 0);
    // Sizes and CRC live in the data descriptor (miniz streams records), so the header holds zeros.
    const header = new Fields(LOCAL_HEADER_SIZE + fullName.length + z64.length + pad.length)
      .u32(0x04034b50)
      .u16(0) // version needed: stored
      .u16(flags)
      .u16(0) // method: stored
      .u16(0) // time (PyTorch builds miniz without time)
      .u16(0) // date
      .u32(0)
      .u32(0)
      .u32(0)
      .u16(fullName.length)
      .u16(z64.length + pad.length)
      .raw(fullName)
      .raw(z64)
      .raw(pad);
    this.emit(header.bytes);
    let crc = 0;
    for (const part of parts) {
      crc = crc32(part, crc);
      this.emit(part);
    }
    if (size > 0) {
      const descriptor =
        z64.length > 0
          ? new Fields(24).u32(0x08074b50).u32(crc).u64(size).u64(size)
          : new Fields(16).u32(0x08074b50).u32(crc).u32(size).u32(size);
      this.emit(descriptor.bytes);
    }
    const entry = new Fields(46 + fullName.length + z64.length)
      .u32(0x02014b50)
      .u16(0) // version made by
      .u16(0) // version needed
      .u16(flags)
      .u16(0)
      .u16(0)
      .u16(0)
      .u32(crc)
      .u32(Math.min(size, U32_MAX))
      .u32(Math.min(size, U32_MAX))
      .u16(fullName.length)
      .u16(z64.length)
      .u16(0) // comment length
      .u16(0) // disk
      .u16(0) // internal attributes
      .u32(0) // external attributes
      .u32(Math.min(offset, U32_MAX))
      .raw(fullName)
      .raw(z64);
    this.centralDirectory.push(entry.bytes);
    this.recordCount++;
  }

  /** Writes the central directory and the (ZIP64 and classic) end records. */
  finish(): void {
    const cdOffset = this.cursor;
    let cdSize = 0;
    for (const entry of this.centralDirectory) {
      this.emit(entry);
      cdSize += entry.length;
    }
    const zip64EndOffset = this.cursor;
    const n = this.recordCount;
    this.emit(
      new Fields(56)
        .u32(0x06064b50)
        .u64(44)
        .u16(0x031e)
        .u16(0x002d)
        .u32(0)
        .u32(0)
        .u64(n)
        .u64(n)
        .u64(cdSize)
        .u64(cdOffset).bytes,
    );
    this.emit(new Fields(20).u32(0x07064b50).u32(0).u64(zip64EndOffset).u32(1).bytes);
    this.emit(
      new Fields(22)
        .u32(0x06054b50)
        .u16(0)
        .u16(0)
        .u16(Math.min(n, 0xffff))
        .u16(Math.min(n, 0xffff))
        .u32(Math.min(cdSize, U32_MAX))
        .u32(Math.min(cdOffset, U32_MAX))
        .u16(0).bytes,
    );
  }

  private emit(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.sink.write(chunk);
    this.cursor += chunk.length;
  }
}
