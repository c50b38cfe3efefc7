/**
 * A pickle protocol 2 writer that emits what CPython's `pickle.Pickler(protocol=2)` emits for the same
 * values: the same opcodes, batching (1,000 items per APPENDS/SETITEMS) and memo numbering, so a file Kiln
 * writes reads like one torch.save wrote. Torch-specific values (tensors) are written by a hook.
 */
import { PyFloat } from "../../common/pyvalue.js";
import { ByteBuffer, encodeLong, latin1, OP } from "./pickle-opcodes.js";
import { orderedDictMarker, pickleAttributes, TorchDevice, TorchDtype, Tuple } from "./types.js";

/** Writes a value the generic rules do not know (tensors); returns false to decline. */
export type PickleHook = (value: unknown, pickler: Pickler) => boolean;

/** Writes `GLOBAL module name` (a class or function reference) where a value is expected. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** Writes `module.name(*args)` (GLOBAL, args tuple, REDUCE); `obj` is the value it stands for, for the memo. */
export class PickleReduce {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: unknown[],
    readonly obj?: object,
  ) {}
}

/** Writes a persistent id (torch's reference to a storage record): the tuple, then BINPERSID. */
export class PersistentId {
  constructor(readonly items: unknown[]) {}
}

const BATCH_SIZE = 1000;

/** Pickles one value to bytes. */
export class Pickler {
  private out = new ByteBuffer();
  private memoCount = 0;
  private memoObjects = new Map<object, number>();
  private memoStrings = new Map<string, number>();
  private memoGlobals = new Map<string, number>();
  private path: string[] = [];
  private readonly encoder = new TextEncoder();

  constructor(private readonly hook?: PickleHook) {}

  /** The complete pickle (PROTO 2 ... STOP) of `value`. */
  dump(value: unknown): Uint8Array {
    this.out.byte(OP.PROTO);
    this.out.byte(2);
    this.save(value);
    this.out.byte(OP.STOP);
    return this.out.result();
  }

  /** The key path being written, for error messages (`root.state_dict.w`). */
  currentPath(): string {
    return ["root", ...this.path].join(".");
  }

  /** Writes any supported value. */
  save(value: unknown): void {
    if (value === null || value === undefined) this.out.byte(OP.NONE);
    else if (typeof value === "boolean") this.out.byte(value ? OP.NEWTRUE : OP.NEWFALSE);
    else if (typeof value === "number" && Number.isSafeInteger(value) && !Object.is(value, -0)) {
      this.saveInt(BigInt(value));
    } else if (typeof value === "number") this.saveFloat(value);
    else if (typeof value === "bigint") this.saveInt(value);
    else if (typeof value === "string") this.saveString(value);
    else if (typeof value !== "object") this.unsupported(value);
    else if (value instanceof PyFloat) this.saveFloat(value.value);
    else if (value instanceof PickleGlobal) this.saveGlobal(value.module, value.name);
    else if (value instanceof PickleReduce) this.saveReduce(value.module, value.name, value.args, value.obj);
    else if (value instanceof PersistentId) this.savePersistentId(value.items);
    else if (this.memoObjects.has(value)) this.get(this.memoObjects.get(value)!);
    else if (this.hook?.(value, this)) return;
    else this.saveObject(value);
  }

  private saveObject(value: object): void {
    const proto = Object.getPrototypeOf(value);
    if (value instanceof Tuple) this.saveTuple(value, value);
    else if (Array.isArray(value)) this.saveList(value);
    else if (value instanceof Map) this.saveDict(value, [...value.entries()]);
    else if (value instanceof TorchDevice) this.saveReduce("torch", "device", [value.type], value);
    else if (value instanceof TorchDtype) this.saveGlobal("torch", value.name);
    // Protocol 2 has no set opcodes: Python writes set(list), naming the module as Python 2 did.
    else if (value instanceof Set) this.saveReduce("__builtin__", "set", [[...value]], value);
    else if (value instanceof Uint8Array) this.saveBytes(value);
    else if (proto === Object.prototype || proto === null) this.saveDict(value, Object.entries(value));
    else this.unsupported(value);
  }

  /** Writes `GLOBAL module\nname\n`, memoized so a second use is a BINGET (as Python does). */
  saveGlobal(module: string, name: string): void {
    const key = `${module}\n${name}`;
    const memoized = this.memoGlobals.get(key);
    if (memoized !== undefined) {
      this.get(memoized);
      return;
    }
    this.out.byte(OP.GLOBAL);
    this.out.bytes(this.encoder.encode(`${module}\n${name}\n`));
    this.memoGlobals.set(key, this.put());
  }

  /** Writes `callable(*args)` as GLOBAL + args tuple + REDUCE, memoizing the result object. */
  saveReduce(module: string, name: string, args: unknown[], obj?: object): void {
    this.saveGlobal(module, name);
    this.saveTuple(args);
    this.out.byte(OP.REDUCE);
    const index = this.put();
    if (obj) this.memoObjects.set(obj, index);
  }

  /** Writes a persistent id (torch's storage reference) and BINPERSID. */
  savePersistentId(pid: unknown[]): void {
    this.saveTuple(pid);
    this.out.byte(OP.BINPERSID);
  }

  /** Writes a tuple: EMPTY_TUPLE, TUPLE1-3 or MARK ... TUPLE, then memoizes it (non-empty only). */
  saveTuple(items: readonly unknown[], obj?: object): void {
    if (items.length === 0) {
      this.out.byte(OP.EMPTY_TUPLE);
      return;
    }
    if (items.length > 3) this.out.byte(OP.MARK);
    this.saveItems(items);
    this.out.byte(items.length > 3 ? OP.TUPLE : [OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][items.length - 1]);
    const index = this.put();
    if (obj) this.memoObjects.set(obj, index);
  }

  private saveItems(items: readonly unknown[], offset = 0): void {
    items.forEach((item, i) => {
      this.path.push(String(offset + i));
      this.save(item);
      this.path.pop();
    });
  }

  // CPython's C pickler (batch_list_exact): a one-item list uses APPEND; otherwise every batch of up to
  // 1,000 items, even a trailing batch of one, is MARK ... APPENDS.
  private saveList(list: readonly unknown[]): void {
    this.out.byte(OP.EMPTY_LIST);
    this.memoObjects.set(list, this.put());
    if (list.length === 1) {
      this.saveItems(list);
      this.out.byte(OP.APPEND);
      return;
    }
    for (let start = 0; start < list.length; start += BATCH_SIZE) {
      this.out.byte(OP.MARK);
      this.saveItems(list.slice(start, start + BATCH_SIZE), start);
      this.out.byte(OP.APPENDS);
    }
  }

  private saveDict(dict: object, entries: [unknown, unknown][]): void {
    const attributes = (dict as { [pickleAttributes]?: unknown })[pickleAttributes];
    const ordered =
      attributes !== undefined || (dict as { [orderedDictMarker]?: boolean })[orderedDictMarker] === true;
    if (ordered) {
      // OrderedDict() + items (+ BUILD with attributes such as a state_dict's _metadata), as Python writes it.
      this.saveReduce("collections", "OrderedDict", [], dict);
    } else {
      this.out.byte(OP.EMPTY_DICT);
      this.memoObjects.set(dict, this.put());
    }
    // CPython's C pickler: a plain dict (batch_dict_exact) writes a one-item dict with SETITEM and otherwise
    // MARK ... SETITEMS batches, plus an empty batch after a full last one; an OrderedDict's items (batch_dict)
    // end with SETITEM when the last batch has one item.
    const exact = !ordered;
    const batches: [unknown, unknown][][] = [];
    for (let start = 0; start < entries.length; start += BATCH_SIZE) {
      batches.push(entries.slice(start, start + BATCH_SIZE));
    }
    if (exact && entries.length > 1 && entries.length % BATCH_SIZE === 0) batches.push([]);
    for (const batch of batches) {
      const single = batch.length === 1 && (!exact || entries.length === 1);
      if (!single) this.out.byte(OP.MARK);
      for (const [key, value] of batch) {
        this.save(key);
        this.path.push(String(key));
        this.save(value);
        this.path.pop();
      }
      this.out.byte(single ? OP.SETITEM : OP.SETITEMS);
    }
    if (attributes !== undefined) {
      this.save(attributes);
      this.out.byte(OP.BUILD);
    }
  }

  private saveInt(x: bigint): void {
    if (x >= 0n && x <= 0xffn) {
      this.out.byte(OP.BININT1);
      this.out.byte(Number(x));
    } else if (x >= 0n && x <= 0xffffn) {
      this.out.byte(OP.BININT2);
      this.out.fixed(2, (dv) => dv.setUint16(0, Number(x), true));
    } else if (x >= -0x80000000n && x <= 0x7fffffffn) {
      this.out.byte(OP.BININT);
      this.out.fixed(4, (dv) => dv.setInt32(0, Number(x), true));
    } else {
      const encoded = encodeLong(x);
      if (encoded.length < 256) {
        this.out.byte(OP.LONG1);
        this.out.byte(encoded.length);
      } else {
        this.out.byte(OP.LONG4);
        this.out.fixed(4, (dv) => dv.setInt32(0, encoded.length, true));
      }
      this.out.bytes(encoded);
    }
  }

  private saveFloat(x: number): void {
    this.out.byte(OP.BINFLOAT);
    this.out.fixed(8, (dv) => dv.setFloat64(0, x, false));
  }

  // Strings are memoized by value: Python memoizes by identity, and equal short strings are usually the same
  // interned object there, so this gives the same (or a shorter) pickle with the same meaning.
  private saveString(s: string): void {
    const memoized = this.memoStrings.get(s);
    if (memoized !== undefined) {
      this.get(memoized);
      return;
    }
    const encoded = this.encoder.encode(s);
    this.out.byte(OP.BINUNICODE);
    this.out.fixed(4, (dv) => dv.setUint32(0, encoded.length, true));
    this.out.bytes(encoded);
    this.memoStrings.set(s, this.put());
  }

  // Protocol 2 has no bytes opcode: Python writes bytes as _codecs.encode(latin1 text, 'latin1').
  private saveBytes(b: Uint8Array): void {
    this.saveReduce("_codecs", "encode", [latin1(b), "latin1"], b);
  }

  private put(): number {
    const index = this.memoCount++;
    if (index < 256) {
      this.out.byte(OP.BINPUT);
      this.out.byte(index);
    } else {
      this.out.byte(OP.LONG_BINPUT);
      this.out.fixed(4, (dv) => dv.setUint32(0, index, true));
    }
    return index;
  }

  private get(index: number): void {
    if (index < 256) {
      this.out.byte(OP.BINGET);
      this.out.byte(index);
    } else {
      this.out.byte(OP.LONG_BINGET);
      this.out.fixed(4, (dv) => dv.setUint32(0, index, true));
    }
  }

  private unsupported(value: unknown): never {
    const kind =
      typeof value === "object" && value !== null
        ? (Object.getPrototypeOf(value)?.constructor?.name ?? "object")
        : typeof value;
    throw new TypeError(
      `cannot save the value at ${this.currentPath()}: ${kind} is not supported (use tensors, plain objects, ` +
        "Maps, Sets, arrays, Tuples, Uint8Arrays, strings, numbers, bigints, booleans or null)",
    );
  }
}
