/**
 * TFRecord framing of event files: `u64 length`, `u32 masked_crc32c(length bytes)`, `payload`,
 * `u32 masked_crc32c(payload)`, all little-endian.
 */
import { maskedCrc32c } from "./crc32c.js";

/** Frames one payload as a TFRecord. */
export function encodeRecord(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(payload.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(payload), 0);
  return Buffer.concat([header, payload, footer]);
}

/** Raised when a record's length or payload CRC does not match: the file is corrupt at `offset`. */
export class RecordCorruptError extends Error {
  override name = "RecordCorruptError";
  constructor(
    readonly file: string,
    readonly offset: number,
    what: string,
  ) {
    super(`${file}: corrupt TFRecord at byte ${offset}: ${what}`);
  }
}

/** One record's payload and where it starts in the file. */
export interface RawRecord {
  offset: number;
  payload: Buffer;
}

/** The records of a TFRecord stream; a partly written last record (a writer still running or killed) is reported, not thrown. */
export interface RecordStream {
  records: RawRecord[];
  /** Bytes at the end that do not make a whole record yet. */
  truncatedTailBytes: number;
}

/** Splits a TFRecord stream into payloads, verifying both CRCs of every record. */
export function readRecords(data: Buffer, file = "<buffer>"): RecordStream {
  const records: RawRecord[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 12) break;
    const lengthBytes = data.subarray(pos, pos + 8);
    if (data.readUInt32LE(pos + 8) !== maskedCrc32c(lengthBytes)) {
      throw new RecordCorruptError(file, pos, "length CRC mismatch");
    }
    const length = data.readBigUInt64LE(pos);
    const end = BigInt(pos) + 12n + length + 4n;
    if (end > BigInt(data.length)) break;
    const start = pos + 12;
    const payload = data.subarray(start, start + Number(length));
    if (data.readUInt32LE(start + Number(length)) !== maskedCrc32c(payload)) {
      throw new RecordCorruptError(file, pos, `payload CRC mismatch (${payload.length} bytes)`);
    }
    records.push({ offset: pos, payload });
    pos = Number(end);
  }
  return { records, truncatedTailBytes: data.length - pos };
}
