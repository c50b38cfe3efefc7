/** Pickle opcodes (CPython's names) and the byte-level helpers shared by the pickle reader and writer. */

/** Opcode bytes by CPython name (Lib/pickle.py). */
export const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e,
  MARK: 0x28,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG: 0x4c,
  LONG1: 0x8a,
  LONG4: 0x8b,
  FLOAT: 0x46,
  BINFLOAT: 0x47,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  BINBYTES8: 0x8e,
  BYTEARRAY8: 0x96,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  LIST: 0x6c,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  EMPTY_DICT: 0x7d,
  DICT: 0x64,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  GLOBAL: 0x63,
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52,
  BUILD: 0x62,
  INST: 0x69,
  OBJ: 0x6f,
  NEWOBJ: 0x81,
  NEWOBJ_EX: 0x92,
  PERSID: 0x50,
  BINPERSID: 0x51,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
  GET: 0x67,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
} as const;

/** Growable byte buffer. */
export class ByteBuffer {
  private buf = new Uint8Array(1024);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  fixed(n: number, fill: (dv: DataView) => void): void {
    this.reserve(n);
    fill(new DataView(this.buf.buffer, this.length, n));
    this.length += n;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Python's `encode_long`: minimal two's-complement little-endian bytes (empty for 0). */
export function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let v = x;
  // Emit bytes until the remaining value is pure sign extension of the last byte's top bit.
  for (;;) {
    const byte = Number(v & 0xffn);
    out.push(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

/** Python's `decode_long`: two's-complement little-endian bytes to an int. */
export function decodeLong(bytes: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes.length > 0 && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return normalizeInt(v);
}

/** A JS number when exact, else a bigint. */
export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Bytes as a latin-1 string (one char per byte), as Python 2 strings and protocol-2 bytes use. */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
