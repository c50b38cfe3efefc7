// The pickle writer emits CPython's protocol 2 bytes; the reader reads CPython's protocols 0-4 and refuses
// anything that could run code. Expected bytes come from CPython 3.11's pickle.dumps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../src/common/pyvalue.js";
import { PickleError, PyCallable, PyDict, unpickle } from "../../../src/torch/serialization/pickle-reader.js";
import { Pickler } from "../../../src/torch/serialization/pickle-writer.js";
import { resolveTorchGlobal } from "../../../src/torch/serialization/torch-globals.js";
import { Tuple, tuple } from "../../../src/torch/serialization/types.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const dump = (v: unknown) => hex(new Pickler().dump(v));
const hooks = {
  findGlobal: (m: string, n: string) => resolveTorchGlobal(m, n, "'test.pt'"),
  persistentLoad: () => {
    throw new PickleError("no persistent ids here");
  },
};
const read = (h: string, preserveFloats = false) =>
  unpickle(Buffer.from(h, "hex"), hooks, { preserveFloats });

test("ints use Python's opcode at every size boundary", () => {
  const cases: [number | bigint, string][] = [
    [0, "80024b002e"],
    [255, "80024bff2e"],
    [256, "80024d00012e"],
    [65535, "80024dffff2e"],
    [65536, "80024a000001002e"],
    [-1, "80024affffffff2e"],
    [-129, "80024a7fffffff2e"],
    [2147483647, "80024affffff7f2e"],
    [-2147483648, "80024a000000802e"],
    [2147483648, "80028a0500000080002e"],
    [-2147483649, "80028a05ffffff7fff2e"],
    [2n ** 63n, "80028a090000000000000080002e"],
    [-(2n ** 63n), "80028a0800000000000000802e"],
    [2n ** 100n, "80028a0d000000000000000000000000102e"],
    [-(2n ** 100n), "80028a0d000000000000000000000000f02e"],
  ];
  for (const [value, expected] of cases) {
    assert.equal(dump(value), expected, String(value));
    const back = read(expected);
    assert.equal(BigInt(back as number), BigInt(value), `read ${value}`);
  }
  const huge = new Pickler().dump(2n ** 2100n);
  assert.equal(huge.length, 271);
  assert.equal(hex(huge.subarray(0, 8)), "80028b0701000000"); // LONG4 beyond 255 bytes
  assert.equal(read(hex(huge)), 2n ** 2100n);
});

test("floats, lists in batches of 1000, and string memoization match CPython", () => {
  assert.equal(
    dump([1.5, new PyFloat(-0), Number.POSITIVE_INFINITY]),
    "80025d710028473ff8000000000000478000000000000000477ff0000000000000652e",
  );
  assert.ok(dump([...Array(1000).keys()]).endsWith("034de703652e"));
  const thousand = dump([...Array(1001).keys()]);
  assert.ok(thousand.startsWith("80025d7100284b004b01"));
  assert.ok(thousand.endsWith("e6034de70365284de803652e"), "1000 items then MARK + 1 item + APPENDS");
  assert.equal(dump(["ab", "ab", "é"]), "80025d71002858020000006162710168015802000000c3a97102652e");
});

test("reads CPython protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, sets, bytes) and protocol 0", () => {
  const p4 =
    "8004957a000000000000007d94288c026f64948c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0161944b018c0162945d94284b014b0265758c0174944b018c01789486948c0173948f94284b03908c0166944740040000000000008c0175948c02c3a9948c0262799443020001948c016e944e752e";
  const v = read(p4) as PyDict;
  assert.ok(v instanceof PyDict);
  const od = v.items.get("od") as PyDict;
  assert.deepEqual(
    [...od.items.entries()],
    [
      ["a", 1],
      ["b", [1, 2]],
    ],
  );
  const t = v.items.get("t");
  assert.ok(t instanceof Tuple);
  assert.deepEqual([...t], [1, "x"]);
  assert.deepEqual(v.items.get("s"), new Set([3]));
  assert.equal(v.items.get("f"), 2.5);
  assert.equal(v.items.get("u"), "é");
  assert.deepEqual(v.items.get("by"), new Uint8Array([0, 1]));
  assert.equal(v.items.get("n"), null);
  const p0 = read(
    "286470300a56610a70310a286c70320a49310a6146322e350a6156780a70330a614e614930310a617356620a70340a2849310a7470350a732e",
    true,
  ) as PyDict;
  assert.deepEqual(p0.items.get("a"), [1, 2.5, "x", null, true]);
  assert.deepEqual([...(p0.items.get("b") as Tuple)], [1]);
});

test("round trip of generic values through writer and reader", () => {
  const value = [1, -2.5, "s", null, true, false, tuple(1, tuple()), [[]], 2n ** 70n, new PyFloat(3)];
  const back = unpickle(new Pickler().dump(value), hooks, { preserveFloats: true }) as unknown[];
  assert.deepEqual(back.slice(0, 6), value.slice(0, 6));
  assert.ok(back[6] instanceof Tuple && (back[6] as unknown[])[1] instanceof Tuple);
  assert.deepEqual(back[7], [[]]);
  assert.equal(back[8], 2n ** 70n);
  assert.deepEqual(back[9], new PyFloat(3));
});

test("the reader never calls what the allowlist did not give it", () => {
  // GLOBAL builtins.eval, then REDUCE: refused at GLOBAL.
  assert.throws(
    () => read(Buffer.from("\x80\x02cbuiltins\neval\n)R.", "latin1").toString("hex")),
    (e: unknown) => {
      return (
        e instanceof PickleError && e.message.startsWith("unsupported global 'builtins.eval' in 'test.pt'")
      );
    },
  );
  // REDUCE on a string (not a callable).
  assert.throws(
    () => read(Buffer.from("\x80\x02X\x01\x00\x00\x00a)R.", "latin1").toString("hex")),
    /cannot call a string/,
  );
  // INST / OBJ build arbitrary objects: refused.
  assert.throws(() => read(Buffer.from("(ios\nsystem\n.", "latin1").toString("hex")), /INST\/OBJ/);
  // BUILD on a list.
  assert.throws(() => read(Buffer.from("\x80\x02]}b.", "latin1").toString("hex")), /BUILD/);
  // Memo reads of entries never stored, and STOP with an empty stack.
  assert.throws(() => read("8002680a2e"), /memo entry 10 was never stored/);
  assert.throws(() => read("80022e"), /stack underflow/);
});

test("allowlisted rebuild functions are PyCallables; storage classes are not callable", () => {
  assert.ok(resolveTorchGlobal("torch._utils", "_rebuild_tensor_v2", "f") instanceof PyCallable);
  assert.ok(resolveTorchGlobal("collections", "OrderedDict", "f") instanceof PyCallable);
  assert.ok(!(resolveTorchGlobal("torch", "FloatStorage", "f") instanceof PyCallable));
  assert.throws(
    () => resolveTorchGlobal("torch", "load", "'x.pt'"),
    /unsupported global 'torch\.load' in 'x\.pt'/,
  );
  assert.throws(() => resolveTorchGlobal("numpy.core.multiarray", "_reconstruct", "f"), /unsupported global/);
});

test("dict and OrderedDict batching follow CPython's C pickler", () => {
  const dictOf = (n: number) => new Map([...Array(n).keys()].map((i) => [i, 0]));
  assert.ok(dump(dictOf(1000)).endsWith("e7034b007528752e"), "full last batch, then an empty MARK SETITEMS");
  assert.ok(dump(dictOf(1001)).endsWith("034b0075284de8034b00752e"));
  assert.equal(dump(new Map([[1, 2]])), "80027d71004b014b02732e");
  assert.equal(dump([5]), "80025d71004b05612e");
  assert.equal(dump({}), "80027d71002e");
  assert.equal(dump([]), "80025d71002e");
});

test("storage classes of dtypes Kiln lacks are named in the error", () => {
  assert.throws(
    () => resolveTorchGlobal("torch", "ComplexFloatStorage", "'c.pt'"),
    /'c\.pt' holds tensors stored as torch\.ComplexFloatStorage, a dtype Kiln cannot load/,
  );
});
