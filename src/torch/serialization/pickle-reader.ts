/**
 * A pickle reader (protocols 0-5, the opcodes CPython emits for data) that never runs code: GLOBAL and
 * STACK_GLOBAL go through a resolver that knows only an allowlist (torch's weights_only rules live in
 * torch-globals.ts), and REDUCE/NEWOBJ/BUILD act only on what that resolver returned. Dicts are built as
 * PyDict and turned into JS objects or Maps by the caller, once every key is known.
 */
// Re-exported: users of the reader need these value types.
export { PickleError, PyCallable, PyDict, type UnpicklerHooks } from "./pickle-values.js";

import { PyFloat } from "../../common/pyvalue.js";
import { decodeLong, latin1, normalizeInt, OP } from "./pickle-opcodes.js";
import {
  PickleError,
  PyCallable,
  PyDict,
  type UnpicklerHooks,
  UnsupportedPickleContent,
} from "./pickle-values.js";
import { Tuple } from "./types.js";

export interface UnpickleOptions {
  /** Wrap floats with integral values in PyFloat so a re-save keeps them floats (default false). */
  preserveFloats?: boolean;
}

/** Reads one pickle from `data`. */
export function unpickle(data: Uint8Array, hooks: UnpicklerHooks, options: UnpickleOptions = {}): unknown {
  return new Unpickler(data, hooks, options).load();
}

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly data: Uint8Array,
    private readonly hooks: UnpicklerHooks,
    private readonly options: UnpickleOptions,
  ) {}

  load(): unknown {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      try {
        if (this.step(op)) return this.pop();
      } catch (e) {
        if (
          e instanceof PickleError &&
          !(e instanceof UnsupportedPickleContent) &&
          !e.message.includes(" at byte ")
        ) {
          throw new PickleError(`${e.message} (opcode 0x${op.toString(16)} at byte ${at})`);
        }
        throw e;
      }
    }
  }

  /** Executes one opcode; true at STOP. */
  private step(op: number): boolean {
    switch (op) {
      case OP.PROTO:
        this.u8();
        return false;
      case OP.FRAME: // framing is only a read-ahead hint
        this.take(8);
        return false;
      case OP.STOP:
        return true;
      case OP.MARK:
        this.marks.push(this.stack.length);
        return false;
      case OP.POP:
        this.pop();
        return false;
      case OP.POP_MARK:
        this.popMark();
        return false;
      case OP.DUP:
        this.push(this.top());
        return false;
      case OP.NONE:
        return this.push(null);
      case OP.NEWTRUE:
        return this.push(true);
      case OP.NEWFALSE:
        return this.push(false);
      case OP.BININT1:
        return this.push(this.u8());
      case OP.BININT2:
        return this.push(this.fixed(2).getUint16(0, true));
      case OP.BININT:
        return this.push(this.fixed(4).getInt32(0, true));
      case OP.LONG1:
        return this.push(decodeLong(this.take(this.u8())));
      case OP.LONG4:
        return this.push(decodeLong(this.take(this.fixed(4).getInt32(0, true))));
      case OP.INT: // (text; "00"/"01" are protocol 0 booleans)
        return this.push(this.textInt(this.line()));
      case OP.LONG: // (text)
        return this.push(this.textInt(this.line().replace(/L$/, "")));
      case OP.BINFLOAT:
        return this.push(this.float(this.fixed(8).getFloat64(0, false)));
      case OP.FLOAT: // (text)
        return this.push(this.float(Number.parseFloat(this.line())));
      case OP.BINUNICODE:
        return this.push(this.text(this.fixed(4).getUint32(0, true)));
      case OP.SHORT_BINUNICODE:
        return this.push(this.text(this.u8()));
      case OP.BINUNICODE8:
        return this.push(this.text(this.u64()));
      case OP.UNICODE: // (raw-unicode-escape line)
        return this.push(
          this.line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
        );
      case OP.BINSTRING: // (Python 2 str, read as latin-1)
        return this.push(latin1(this.take(this.fixed(4).getInt32(0, true))));
      case OP.SHORT_BINSTRING:
        return this.push(latin1(this.take(this.u8())));
      case OP.BINBYTES:
        return this.push(new Uint8Array(this.take(this.fixed(4).getUint32(0, true))));
      case OP.SHORT_BINBYTES:
        return this.push(new Uint8Array(this.take(this.u8())));
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        return this.push(new Uint8Array(this.take(this.u64())));
      case OP.EMPTY_LIST:
        return this.push([]);
      case OP.LIST:
        return this.push(this.popMark());
      case OP.APPEND:
        this.list(this.stack.length - 2).push(this.pop());
        return false;
      case OP.APPENDS: {
        const items = this.popMark();
        this.list(this.stack.length - 1).push(...items);
        return false;
      }
      case OP.EMPTY_TUPLE:
        return this.push(new Tuple());
      case OP.TUPLE:
        return this.push(toTuple(this.popMark()));
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3:
        return this.push(toTuple(this.popN(op - OP.TUPLE1 + 1)));
      case OP.EMPTY_DICT:
        return this.push(new PyDict());
      case OP.DICT: {
        const dict = new PyDict();
        this.setItems(dict, this.popMark());
        return this.push(dict);
      }
      case OP.SETITEM: {
        const [key, value] = this.popN(2);
        this.dict(this.stack.length - 1).items.set(key, value);
        return false;
      }
      case OP.SETITEMS: {
        const items = this.popMark();
        this.setItems(this.dict(this.stack.length - 1), items);
        return false;
      }
      case OP.EMPTY_SET:
        return this.push(new Set());
      case OP.ADDITEMS: {
        const items = this.popMark();
        const set = this.top();
        if (!(set instanceof Set)) throw new PickleError("ADDITEMS on a value that is not a set");
        for (const item of items) set.add(item);
        return false;
      }
      case OP.FROZENSET:
        return this.push(new Set(this.popMark()));
      case OP.GLOBAL: {
        const module = this.line();
        return this.push(this.hooks.findGlobal(module, this.line()));
      }
      case OP.STACK_GLOBAL: {
        const [module, name] = this.popN(2);
        if (typeof module !== "string" || typeof name !== "string") {
          throw new PickleError("STACK_GLOBAL needs two strings");
        }
        return this.push(this.hooks.findGlobal(module, name));
      }
      case OP.REDUCE: {
        const [fn, args] = this.popN(2);
        return this.push(this.callAllowed(fn, args));
      }
      case OP.NEWOBJ: {
        //: cls.__new__(cls, *args) for an allowed class
        const [cls, args] = this.popN(2);
        return this.push(this.callAllowed(cls, args));
      }
      case OP.NEWOBJ_EX: {
        const [cls, args] = this.popN(3);
        return this.push(this.callAllowed(cls, args));
      }
      case OP.BUILD: {
        const state = this.pop();
        const target = this.top();
        if (target instanceof PyDict) {
          target.attributes = state;
        } else if (this.hooks.build) {
          this.hooks.build(target, state);
        } else {
          throw new PickleError("BUILD (setting object state) is not allowed here");
        }
        return false;
      }
      case OP.BINPERSID:
        return this.push(this.hooks.persistentLoad(this.pop()));
      case OP.PERSID: // (text)
        return this.push(this.hooks.persistentLoad(this.line()));
      case OP.BINPUT:
        this.memo.set(this.u8(), this.top());
        return false;
      case OP.LONG_BINPUT:
        this.memo.set(this.fixed(4).getUint32(0, true), this.top());
        return false;
      case OP.PUT: // (text)
        this.memo.set(Number.parseInt(this.line(), 10), this.top());
        return false;
      case OP.MEMOIZE:
        this.memo.set(this.memo.size, this.top());
        return false;
      case OP.BINGET:
        return this.push(this.memoGet(this.u8()));
      case OP.LONG_BINGET:
        return this.push(this.memoGet(this.fixed(4).getUint32(0, true)));
      case OP.GET: // (text)
        return this.push(this.memoGet(Number.parseInt(this.line(), 10)));
      case OP.INST:
      case OP.OBJ:
        throw new PickleError("INST/OBJ (arbitrary object construction) is not allowed");
      default:
        throw new PickleError(`unknown or unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")}`);
    }
  }

  private callAllowed(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof PyCallable)) {
      throw new PickleError(`cannot call ${describe(fn)}: only allowlisted rebuild functions may be called`);
    }
    if (!Array.isArray(args)) throw new PickleError(`arguments of ${fn.qualifiedName} are not a tuple`);
    return fn.call(args);
  }

  private setItems(dict: PyDict, flat: unknown[]): void {
    if (flat.length % 2 !== 0) throw new PickleError("SETITEMS with an odd number of items");
    for (let i = 0; i < flat.length; i += 2) dict.items.set(flat[i], flat[i + 1]);
  }

  private float(x: number): number | PyFloat {
    return this.options.preserveFloats && Number.isInteger(x) ? new PyFloat(x) : x;
  }

  private textInt(s: string): number | bigint | boolean {
    if (s === "00") return false;
    if (s === "01") return true;
    if (!/^[-+]?\d+$/.test(s)) throw new PickleError(`bad integer literal '${s}'`);
    return normalizeInt(BigInt(s));
  }

  private push(v: unknown): false {
    this.stack.push(v);
    return false;
  }

  private pop(): unknown {
    if (this.stack.length === 0 || this.stack.length <= (this.marks.at(-1) ?? -1)) {
      throw new PickleError("stack underflow");
    }
    return this.stack.pop();
  }

  private popN(n: number): unknown[] {
    if (this.stack.length - n < (this.marks.at(-1) ?? 0)) throw new PickleError("stack underflow");
    return this.stack.splice(this.stack.length - n, n);
  }

  private top(): unknown {
    if (this.stack.length === 0) throw new PickleError("stack underflow");
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw new PickleError("no MARK on the stack");
    return this.stack.splice(mark);
  }

  private list(index: number): unknown[] {
    const v = this.stack[index];
    if (!Array.isArray(v) || v instanceof Tuple)
      throw new PickleError("APPEND to a value that is not a list");
    return v;
  }

  private dict(index: number): PyDict {
    const v = this.stack[index];
    if (!(v instanceof PyDict)) throw new PickleError("SETITEM on a value that is not a dict");
    return v;
  }

  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) throw new PickleError(`memo entry ${index} was never stored`);
    return this.memo.get(index);
  }

  private u8(): number {
    if (this.pos >= this.data.length) throw new PickleError("pickle data ends before STOP");
    return this.data[this.pos++];
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.data.length) throw new PickleError("pickle data ends inside a value");
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private fixed(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  private u64(): number {
    const v = this.fixed(8).getBigUint64(0, true);
    if (v > BigInt(this.data.length)) throw new PickleError("pickle data ends inside a value");
    return Number(v);
  }

  private text(n: number): string {
    try {
      return this.utf8.decode(this.take(n));
    } catch (e) {
      if (e instanceof PickleError) throw e;
      throw new PickleError("string is not valid UTF-8");
    }
  }

  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError("pickle data ends inside a text line");
    const s = latin1(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
}

function toTuple(items: unknown[]): Tuple {
  const t = new Tuple();
  t.push(...items);
  return t;
}

function describe(v: unknown): string {
  if (v instanceof PyDict) return "a dict";
  if (v === null) return "None";
  return typeof v === "object" ? (v.constructor?.name ?? "an object") : `a ${typeof v}`;
}
