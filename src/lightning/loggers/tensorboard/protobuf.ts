/**
 * The few pieces of the protobuf wire format that TensorBoard's Event, Summary and hparams plugin messages use.
 * Written here rather than pulled from a protobuf library: the schema is tiny and fixed, and the encoder must
 * reproduce the exact bytes Python's protobuf writes (proto3: scalar defaults omitted, oneof members always kept).
 */

/** Protobuf wire types. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** Builds one message; nested messages are encoded first and added with `message()`. */
export class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt(field * 8 + wire));
  }

  private rawVarint(value: bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes), as protobuf does.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.chunks.push(Buffer.from(bytes));
  }

  /** An int32/int64/enum/bool field (written even when zero: callers skip proto3 defaults themselves). */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, WireType.VARINT);
    this.rawVarint(typeof value === "boolean" ? (value ? 1n : 0n) : BigInt(value));
    return this;
  }

  /** A `double` field. */
  double(field: number, value: number): this {
    this.tag(field, WireType.I64);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.chunks.push(b);
    return this;
  }

  /** A `float` field (the value is rounded to float32). */
  float(field: number, value: number): this {
    this.tag(field, WireType.I32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.chunks.push(b);
    return this;
  }

  /** A `bytes` field, or an already encoded nested message. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LEN);
    this.rawVarint(BigInt(value.length));
    this.chunks.push(Buffer.from(value));
    return this;
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  /** A nested message field. */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** The encoded message. */
  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** One decoded field: varints as bigint, fixed-width and length-delimited fields as raw bytes. */
export type ProtoField =
  | { field: number; wire: typeof WireType.VARINT; value: bigint }
  | { field: number; wire: typeof WireType.I64 | typeof WireType.I32 | typeof WireType.LEN; value: Buffer };

/** Raised for bytes that are not a well-formed protobuf message. */
export class ProtoDecodeError extends Error {
  override name = "ProtoDecodeError";
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && shift < 70n; i++) {
    const byte = buf[i];
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return [BigInt.asUintN(64, result), i + 1];
  }
  throw new ProtoDecodeError(`truncated or overlong varint at byte ${pos}`);
}

/** Splits a message into its fields, in wire order (repeated fields appear once per element). */
export function readFields(buf: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new ProtoDecodeError(`field number 0 at byte ${pos}`);
    pos = afterKey;
    if (wire === WireType.VARINT) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ field, wire, value });
      pos = next;
      continue;
    }
    let size: number;
    if (wire === WireType.I64) size = 8;
    else if (wire === WireType.I32) size = 4;
    else if (wire === WireType.LEN) {
      const [len, next] = readVarint(buf, pos);
      size = Number(len);
      pos = next;
    } else throw new ProtoDecodeError(`unsupported wire type ${wire} for field ${field} at byte ${pos}`);
    if (pos + size > buf.length) {
      throw new ProtoDecodeError(
        `field ${field} needs ${size} bytes at byte ${pos}, only ${buf.length - pos} left`,
      );
    }
    fields.push({ field, wire, value: buf.subarray(pos, pos + size) } as ProtoField);
    pos += size;
  }
  return fields;
}

/** Reads a varint field as a signed int64 number (steps, enums). */
export function asInt64(f: ProtoField): number {
  if (f.wire !== WireType.VARINT) throw new ProtoDecodeError(`field ${f.field}: expected a varint`);
  return Number(BigInt.asIntN(64, f.value));
}

/** Reads a fixed64 field as a double. */
export function asDouble(f: ProtoField): number {
  if (f.wire !== WireType.I64) throw new ProtoDecodeError(`field ${f.field}: expected a 64-bit double`);
  return f.value.readDoubleLE(0);
}

/** Reads a fixed32 field as a float. */
export function asFloat(f: ProtoField): number {
  if (f.wire !== WireType.I32) throw new ProtoDecodeError(`field ${f.field}: expected a 32-bit float`);
  return f.value.readFloatLE(0);
}

/** Reads a length-delimited field as raw bytes (bytes fields and nested messages). */
export function asBytes(f: ProtoField): Buffer {
  if (f.wire !== WireType.LEN)
    throw new ProtoDecodeError(`field ${f.field}: expected a length-delimited field`);
  return f.value;
}

/** Reads a length-delimited field as a UTF-8 string. */
export function asString(f: ProtoField): string {
  return asBytes(f).toString("utf8");
}
