/**
 * Reader for the IDX format of (Fashion-)MNIST (`*-idx3-ubyte`, `*-idx1-ubyte`, raw or gzip-compressed):
 * a 4-byte magic (0x00 0x00, a type code, the number of dimensions), one big-endian uint32 per dimension,
 * then the elements, big-endian. Malformed files are rejected with an error naming the file and the defect,
 * because a silently misread dataset trains without complaint and gives wrong results.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** Element types an IDX file can hold. */
export type IdxDType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The contents of an IDX file: elements in row-major order, in native byte order. */
export interface IdxData {
  dtype: IdxDType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { dtype: IdxDType; size: number }> = {
  8: { dtype: "uint8", size: 1 },
  9: { dtype: "int8", size: 1 },
  11: { dtype: "int16", size: 2 },
  12: { dtype: "int32", size: 4 },
  13: { dtype: "float32", size: 4 },
  14: { dtype: "float64", size: 8 },
};

/** The error for a file that is missing or not a well-formed IDX file. */
export class IdxFormatError extends Error {
  override name = "IdxFormatError";
}

/** Reads an IDX file, raw or gzip-compressed (recognised by its content, whatever the file name). */
export function readIdx(path: string): IdxData {
  if (!existsSync(path)) throw new IdxFormatError(`IDX file '${path}' does not exist`);
  return parseIdx(readFileSync(path), path);
}

/** Parses IDX bytes (raw or gzip); `name` appears in error messages. */
export function parseIdx(input: Uint8Array, name = "<buffer>"): IdxData {
  const fail = (what: string): never => {
    throw new IdxFormatError(`IDX file '${name}' ${what}`);
  };
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      fail(`is not valid gzip data (${(e as Error).message}); the download may be incomplete`);
    }
  }
  if (bytes.length < 4) fail(`is too short (${bytes.length} bytes) to hold the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `has a bad magic number 0x${view.getUint32(0).toString(16).padStart(8, "0")}: ` +
        "an IDX file starts with two zero bytes (is this an IDX file?)",
    );
  }
  const type = TYPES[bytes[2]];
  if (!type) {
    fail(
      `has unknown data type code 0x${bytes[2].toString(16).padStart(2, "0")} (expected 0x08 uint8, ` +
        "0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)",
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) fail("declares 0 dimensions");
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    fail(`declares ${ndim} dimensions but ends after ${bytes.length} bytes, inside its header (truncated)`);
  }
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * type.size;
  const actual = bytes.length - headerSize;
  if (actual < expected) {
    fail(
      `has shape [${shape.join(", ")}] needing ${expected} data bytes, but only ${actual} follow the header (truncated)`,
    );
  }
  if (actual > expected) {
    fail(
      `has shape [${shape.join(", ")}] needing ${expected} data bytes, but ${actual} follow the header (${actual - expected} extra)`,
    );
  }
  return { dtype: type.dtype, shape, data: decode(bytes, headerSize, count, type.dtype) };
}

/** The elements as a native typed array; multi-byte IDX elements are big-endian on disk. */
function decode(bytes: Uint8Array, offset: number, count: number, dtype: IdxDType): IdxData["data"] {
  // Copies into fresh arrays (not Buffer.slice, which is a view that may share Node's buffer pool).
  if (dtype === "uint8") return new Uint8Array(bytes.subarray(offset, offset + count));
  if (dtype === "int8") return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count).slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.byteLength - offset);
  switch (dtype) {
    case "int16":
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i));
    case "int32":
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i));
    case "float32":
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i));
    case "float64":
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i));
  }
}
