// save/load round trips, the tensor adapter seam, atomic writes, and clear errors for damaged files.
import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  archiveNameFor,
  load,
  loadFromBuffer,
  type RawTensor,
  SerializationError,
  save,
  saveToBuffer,
  setTensorAdapter,
  Tuple,
  tuple,
} from "../../../src/torch/serialization/index.js";
import { ZipWriter } from "../../../src/torch/serialization/zip-writer.js";
import { makeTensor, tensorValues } from "./describe_value.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-ser-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const goldenPt = join(import.meta.dirname, "../../fixtures/torch/saved_by_python.pt");

test("round trip: nested containers, every dtype, views and shared storage", () => {
  const base = makeTensor("float32", [2, 3], [1, 2, 3, 4, 5, 6], "base");
  const column: RawTensor = { ...base, shape: [2], stride: [3], storageOffset: 1 };
  const value = {
    tensors: [
      base,
      column,
      makeTensor("float64", [1], [Math.PI]),
      makeTensor("int64", [2], [-(2n ** 62n), 3n]),
      makeTensor("int32", [1], [-1]),
      makeTensor("int16", [1], [300]),
      makeTensor("int8", [1], [-3]),
      makeTensor("uint8", [1], [200]),
      makeTensor("bool", [2], [true, false]),
    ],
    meta: { pair: tuple(1, "two"), nothing: null, big: 2n ** 80n, neg: -123456789, f: 0.25 },
    byIndex: new Map<unknown, unknown>([
      [0, "a"],
      [1, "b"],
    ]),
  };
  const back = load(writeTemp("round.pt", value)) as typeof value;
  assert.deepEqual(back.meta.pair instanceof Tuple, true);
  assert.deepEqual([...back.meta.pair], [1, "two"]);
  assert.deepEqual({ ...back.meta, pair: null }, { ...value.meta, pair: null });
  assert.deepEqual(back.byIndex, value.byIndex);
  back.tensors.forEach((t, i) => {
    const orig = value.tensors[i];
    assert.deepEqual(
      [t.dtype, t.shape, t.stride, t.storageOffset],
      [orig.dtype, orig.shape, orig.stride, orig.storageOffset],
    );
    assert.deepEqual(tensorValues(t), tensorValues(orig));
  });
  assert.deepEqual(tensorValues(back.tensors[1]), [2, 5]);
  assert.equal(back.tensors[0].storage, back.tensors[1].storage, "views keep sharing one storage");
  assert.notEqual(back.tensors[0].storage, back.tensors[2].storage);
});

test("the same object saved twice is one object after loading (pickle memo)", () => {
  const t = makeTensor("float32", [1], [1]);
  const shared = { a: 1 };
  const back = load(writeTemp("memo.pt", { x: t, y: t, s1: shared, s2: shared })) as Record<string, unknown>;
  assert.equal(back.x, back.y);
  assert.equal(back.s1, back.s2);
});

test("an installed TensorAdapter saves and loads real tensor objects", (t) => {
  class FakeTensor {
    constructor(readonly raw: RawTensor) {}
  }
  setTensorAdapter({
    isTensor: (v): v is FakeTensor => v instanceof FakeTensor,
    toRaw: (ft) => (ft as FakeTensor).raw,
    fromRaw: (raw) => new FakeTensor(raw),
  });
  t.after(() => setTensorAdapter(undefined));
  const file = writeTemp("adapter.pt", { w: new FakeTensor(makeTensor("float32", [2], [7, 8])) });
  const back = load(file) as { w: FakeTensor };
  assert.ok(back.w instanceof FakeTensor);
  assert.deepEqual(tensorValues(back.w.raw), [7, 8]);
  const raw = load(file, { raw: true }) as { w: RawTensor };
  assert.equal(raw.w.dtype, "float32");
});

test("archive folder: the file-name stem, as PyTorch names it", () => {
  assert.equal(archiveNameFor("/x/epoch=1-step=6.ckpt"), "epoch=1-step=6");
  assert.equal(archiveNameFor("model.v2.pt"), "model.v2");
  assert.equal(archiveNameFor("/x/.pt"), "archive");
  const names = zipNames(readFileSync(writeTemp("last.ckpt", { a: 1 })));
  assert.ok(
    names.every((n) => n.startsWith("last/")),
    names.join(","),
  );
  assert.ok(zipNames(saveToBuffer({ a: 1 })).includes("archive/data.pkl"));
});

test("save is atomic: a failing save leaves the previous file intact and no temporary file", () => {
  const sub = join(dir, "atomic");
  mkdirSync(sub);
  const file = join(sub, "model.pt");
  save({ good: makeTensor("float32", [1], [1]) }, file);
  const before = readFileSync(file);
  assert.throws(() => save({ good: 1, bad: () => 0 }, file), /cannot save the value at root\.bad: function/);
  const broken = { ...makeTensor("float32", [2], [1, 2]), storageOffset: 1 };
  assert.throws(() => save({ t: broken }, file), /tensor at root\.t: its view reaches past its storage/);
  assert.deepEqual(readFileSync(file), before);
  assert.deepEqual(readdirSync(sub), ["model.pt"]);
  assert.throws(
    () => save({}, join(dir, "no/such/dir/x.pt")),
    /cannot save checkpoint '.*no\/such\/dir\/x\.pt'/,
  );
});

test("clear errors: missing, directory, empty, not a zip, legacy format", () => {
  assert.throws(() => load(join(dir, "nope.pt")), /checkpoint '.*nope\.pt' does not exist/);
  assert.throws(() => load(dir), /is a directory/);
  const empty = join(dir, "empty.pt");
  writeFileSync(empty, "");
  assert.throws(() => load(empty), /checkpoint '.*empty\.pt' is corrupt or truncated: the file is empty/);
  const text = join(dir, "text.pt");
  writeFileSync(text, "hello world, not a checkpoint");
  assert.throws(() => load(text), /is not a torch\.save file \(it does not start with a zip header\)/);
  const legacy = join(dir, "legacy.pt");
  writeFileSync(legacy, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c]));
  assert.throws(() => load(legacy), /legacy \(pre-1\.6, non-zip\) format/);
});

test("truncated files are reported as corrupt or truncated, wherever they are cut", () => {
  const bytes = readFileSync(goldenPt);
  for (const keep of [10, 100, 1000, bytes.length - 100, bytes.length - 30, bytes.length - 1]) {
    const file = join(dir, `cut-${keep}.pt`);
    writeFileSync(file, bytes.subarray(0, keep));
    assert.throws(
      () => load(file),
      (e: unknown) => e instanceof SerializationError && /is corrupt or truncated: /.test(e.message),
      `cut at ${keep}`,
    );
  }
});

test("a flipped byte in a tensor record is caught by its CRC", () => {
  const bytes = Buffer.from(readFileSync(goldenPt));
  bytes[960 + 5] ^= 0xff; // inside saved_by_python/data/0 (its data starts at byte 960)
  assert.throws(
    () => loadFromBuffer(bytes, { name: "'flipped.pt'" }),
    /checkpoint 'flipped\.pt' is corrupt or truncated: CRC-32 mismatch in record 'saved_by_python\/data\/0'/,
  );
});

test("a corrupt pickle and a forbidden global give clear errors, and nothing runs", () => {
  const garbage = archiveWith(Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0xff]));
  assert.throws(
    () => loadFromBuffer(garbage),
    /corrupt or truncated: data\.pkl: unknown or unsupported pickle opcode 0xff/,
  );
  const cutShort = archiveWith(Buffer.from([0x80, 0x02, 0x5d, 0x28, 0x4b]));
  assert.throws(() => loadFromBuffer(cutShort), /data\.pkl: pickle data ends/);
  // os.system('touch <marker>'): refused at the GLOBAL opcode.
  const marker = join(dir, "pwned");
  const evil = Buffer.concat([
    Buffer.from("\x80\x02cos\nsystem\nq\x00X", "latin1"),
    u32(`touch ${marker}`.length),
    Buffer.from(`touch ${marker}`),
    Buffer.from("\x85R.", "latin1"),
  ]);
  assert.throws(
    () => loadFromBuffer(archiveWith(evil), { name: "'evil.pt'" }),
    (e: unknown) =>
      e instanceof SerializationError &&
      e.message.startsWith(
        "unsupported global 'os.system' in 'evil.pt': only tensors and primitive containers can be loaded",
      ),
  );
  assert.deepEqual(readdirSync(dir).includes("pwned"), false);
});

test("storage records whose size disagrees with the pickle are rejected", () => {
  const src = join(dir, "copy.pt");
  copyFileSync(goldenPt, src);
  const value = load(src) as { w: RawTensor };
  const short = { ...value.w, storage: { ...value.w.storage, numel: 7 } };
  assert.throws(
    () => save({ w: short }, join(dir, "short.pt")),
    /storage has 24 bytes, but 7 float32 elements need 28/,
  );
});

function writeTemp(name: string, value: unknown): string {
  const file = join(dir, name);
  save(value, file);
  return file;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A torch.save-shaped archive around an arbitrary data.pkl. */
function archiveWith(pickle: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new ZipWriter({ write: (c) => chunks.push(c.slice()) }, "archive");
  zip.addRecord("data.pkl", pickle);
  zip.addRecord("version", new TextEncoder().encode("3\n"));
  zip.finish();
  return Buffer.concat(chunks);
}

/** Member names from the central directory (independent of Kiln's reader). */
function zipNames(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  const names: string[] = [];
  for (let i = b.indexOf("PK\x01\x02", 0, "latin1"); i >= 0; i = b.indexOf("PK\x01\x02", i + 4, "latin1")) {
    const n = b.readUInt16LE(i + 28);
    names.push(b.subarray(i + 46, i + 46 + n).toString("utf8"));
  }
  return names;
}
