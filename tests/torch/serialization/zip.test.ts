// The zip container: PyTorch's 64-byte data alignment, and ZIP64 for records past 4 GiB, checked with
// Kiln's reader and, where python3 exists, with Python's own zipfile module.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { saveToBuffer } from "../../../src/torch/serialization/index.js";
import { BufferSource, FileSource, ZipReader } from "../../../src/torch/serialization/zip-reader.js";
import { alignmentExtra, type ByteSink, ZipWriter } from "../../../src/torch/serialization/zip-writer.js";
import { makeTensor } from "./describe_value.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-zip-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const hasPython3 = spawnSync("python3", ["-c", "import zipfile"]).status === 0;

function dataOffsets(bytes: Buffer): Map<string, number> {
  const out = new Map<string, number>();
  for (
    let i = bytes.indexOf("PK\x03\x04", 0, "latin1");
    i >= 0;
    i = bytes.indexOf("PK\x03\x04", i + 4, "latin1")
  ) {
    const n = bytes.readUInt16LE(i + 26);
    const e = bytes.readUInt16LE(i + 28);
    out.set(bytes.subarray(i + 30, i + 30 + n).toString("utf8"), i + 30 + n + e);
  }
  return out;
}

test("every record's data starts on a 64-byte boundary, padded by an FB extra field", () => {
  const value = { a: makeTensor("float32", [3], [1, 2, 3]), bb: makeTensor("int8", [5], [1, 2, 3, 4, 5]) };
  const bytes = Buffer.from(saveToBuffer(value, { archiveName: "odd_name_x" }));
  const offsets = dataOffsets(bytes);
  assert.deepEqual(
    [...offsets.keys()],
    [
      "data.pkl",
      ".format_version",
      ".storage_alignment",
      "byteorder",
      "data/0",
      "data/1",
      "version",
      ".data/serialization_id",
    ].map((n) => `odd_name_x/${n}`),
  );
  for (const [name, offset] of offsets) assert.equal(offset % 64, 0, name);
  const reader = new ZipReader(new BufferSource(bytes));
  assert.equal(new TextDecoder().decode(reader.read("odd_name_x/version")), "3\n");
  assert.match(new TextDecoder().decode(reader.read("odd_name_x/.data/serialization_id")), /^\d{40}$/);
});

test("Python's zipfile accepts a Kiln archive", { skip: hasPython3 ? false : "python3 not found" }, () => {
  const file = join(dir, "k.zip");
  const fd = openSync(file, "w");
  writeSync(fd, saveToBuffer({ t: makeTensor("float64", [2], [1, 2]) }));
  closeSync(fd);
  const r = spawnSync(
    "python3",
    ["-c", `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip())`, file],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.stdout.trim(), "None", r.stderr);
});

test("padding accounts for the ZIP64 extra field that miniz puts before it", () => {
  // Data start = cursor + 30 + name + 4 + ZIP64 extra (+12 for a big offset, +20 for a big size) + padding.
  const big = 2 ** 32 + 7;
  for (const [cursor, size, zip64] of [
    [100, 10, 0],
    [big, 10, 12],
    [100, 2 ** 32, 20],
    [big, 2 ** 32, 28],
  ]) {
    const pad = alignmentExtra(cursor, 17, size, 64).length - 4;
    assert.equal((cursor + 30 + 17 + 4 + zip64 + pad) % 64, 0, `cursor ${cursor} size ${size}`);
    assert.ok(pad < 64);
  }
});

test("ZIP64: a 4.6 GB record and a record after it (sparse file)", { timeout: 120_000 }, () => {
  const chunk = new Uint8Array(4 << 20); // zeros, written as a hole
  const bigChunks = Array<Uint8Array>(1100).fill(chunk);
  const bigSize = chunk.length * bigChunks.length;
  assert.ok(bigSize > 0xffffffff);
  const file = join(dir, "big.zip");
  const fd = openSync(file, "w");
  let position = 0;
  const sink: ByteSink = {
    write(c) {
      if (c !== chunk) writeSync(fd, c, 0, c.length, position);
      position += c.length;
    },
  };
  const zip = new ZipWriter(sink, "archive");
  zip.addRecord("small", new TextEncoder().encode("before"));
  zip.addRecord("big", bigChunks);
  zip.addRecord("after", new TextEncoder().encode("after the big one"));
  zip.finish();
  ftruncateSync(fd, position);
  closeSync(fd);

  const source = new FileSource(file);
  try {
    const reader = new ZipReader(source);
    const big = reader.entries.get("archive/big");
    const afterEntry = reader.entries.get("archive/after");
    assert.equal(big?.size, bigSize);
    assert.ok((afterEntry?.localHeaderOffset ?? 0) > 0xffffffff);
    assert.equal(new TextDecoder().decode(reader.read("archive/after")), "after the big one");
    assert.equal(new TextDecoder().decode(reader.read("archive/small")), "before");
  } finally {
    source.close();
  }
  if (hasPython3) {
    const py =
      "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(z.getinfo('archive/big').file_size, z.read('archive/after').decode())";
    const r = spawnSync("python3", ["-c", py, file], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), `${bigSize} after the big one`, r.stderr);
  }
});
