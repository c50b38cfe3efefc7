// IDX reader: real Fashion-MNIST files (Debian's dataset-fashion-mnist, where installed) and malformed files.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { IdxFormatError, parseIdx, readIdx } from "../../../src/torch/data/idx.js";

const fashion = "/usr/share/datasets/fashion-mnist";
const skipReal = existsSync(join(fashion, "train-labels-idx1-ubyte.gz"))
  ? false
  : "Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)";
const dir = mkdtempSync(join(tmpdir(), "kiln-idx-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file: magic, big-endian dimensions, then `data` as given. */
function idx(typeCode: number, shape: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = typeCode;
  header[3] = shape.length;
  shape.forEach((n, i) => {
    header.writeUInt32BE(n, 4 + 4 * i);
  });
  return Buffer.concat([header, data]);
}

function write(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

test("Fashion-MNIST train labels and images (.gz)", { skip: skipReal }, () => {
  const labels = readIdx(join(fashion, "train-labels-idx1-ubyte.gz"));
  assert.equal(labels.dtype, "uint8");
  assert.deepEqual(labels.shape, [60000]);
  assert.deepEqual([...labels.data.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  const perClass = Array<number>(10).fill(0);
  for (const l of labels.data) perClass[l]++;
  assert.deepEqual(perClass, Array(10).fill(6000));
  const images = readIdx(join(fashion, "train-images-idx3-ubyte.gz"));
  assert.deepEqual([images.dtype, images.shape], ["uint8", [60000, 28, 28]]);
  assert.equal(images.data.length, 47040000);
  const first = images.data.subarray(0, 784) as Uint8Array;
  assert.equal(
    first.reduce((a, b) => a + b, 0),
    76247,
  );
  let total = 0;
  for (const v of images.data) total += v;
  assert.equal(total, 3431114169);
});

test("Fashion-MNIST test set, also read uncompressed", { skip: skipReal }, () => {
  const raw = write(
    "t10k-labels-idx1-ubyte",
    gunzipSync(readFileSync(join(fashion, "t10k-labels-idx1-ubyte.gz"))),
  );
  const labels = readIdx(raw);
  assert.deepEqual(
    [labels.shape, [...labels.data.subarray(0, 10)]],
    [[10000], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]],
  );
  const images = readIdx(join(fashion, "t10k-images-idx3-ubyte.gz"));
  assert.deepEqual(images.shape, [10000, 28, 28]);
  assert.equal(
    (images.data.subarray(0, 784) as Uint8Array).reduce((a, b) => a + b, 0),
    33456,
  );
});

test("every IDX type code decodes big-endian data", () => {
  const be = (n: number, put: (b: Buffer, v: number, at: number) => unknown, values: number[]) => {
    const b = Buffer.alloc(n * values.length);
    values.forEach((v, i) => {
      put(b, v, n * i);
    });
    return b;
  };
  const cases: [number, string, Buffer, number[]][] = [
    [0x08, "uint8", Buffer.from([0, 7, 255]), [0, 7, 255]],
    [0x09, "int8", Buffer.from([0x80, 0xff, 5]), [-128, -1, 5]],
    [0x0b, "int16", be(2, (b, v, at) => b.writeInt16BE(v, at), [-300, 2, 32767]), [-300, 2, 32767]],
    [
      0x0c,
      "int32",
      be(4, (b, v, at) => b.writeInt32BE(v, at), [-70000, 1, 2 ** 31 - 1]),
      [-70000, 1, 2 ** 31 - 1],
    ],
    [0x0d, "float32", be(4, (b, v, at) => b.writeFloatBE(v, at), [0.5, -2, 1e10]), [0.5, -2, 1e10]],
    [0x0e, "float64", be(8, (b, v, at) => b.writeDoubleBE(v, at), [0.1, -1e300, 3]), [0.1, -1e300, 3]],
  ];
  for (const [code, dtype, data, values] of cases) {
    const parsed = parseIdx(idx(code, [3, 1], data));
    assert.deepEqual([parsed.dtype, parsed.shape, [...parsed.data]], [dtype, [3, 1], values], dtype);
    assert.deepEqual([...readIdx(write(`t${code}.gz`, gzipSync(idx(code, [3], data)))).data], values);
  }
  assert.deepEqual(parseIdx(idx(0x08, [0, 28], Buffer.alloc(0))).shape, [0, 28]);
});

test("malformed files are rejected with the file name and the defect", () => {
  const good = idx(0x08, [2, 3], Buffer.from([1, 2, 3, 4, 5, 6]));
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "magic.idx",
      Buffer.concat([Buffer.from([0x1f, 0x00]), good.subarray(2)]),
      /bad magic number 0x1f000802/,
    ],
    ["text.idx", Buffer.from("P5\n28 28\n255\n"), /bad magic number .*two zero bytes/],
    ["type.idx", idx(0x07, [1], Buffer.from([1])), /unknown data type code 0x07/],
    ["zero-dims.idx", Buffer.from([0, 0, 8, 0]), /declares 0 dimensions/],
    ["short.idx", Buffer.from([0, 0]), /too short \(2 bytes\)/],
    [
      "cut-header.idx",
      good.subarray(0, 9),
      /declares 2 dimensions but ends after 9 bytes, inside its header/,
    ],
    [
      "cut-data.idx",
      good.subarray(0, good.length - 2),
      /shape \[2, 3\] needing 6 data bytes, but only 4 follow the header \(truncated\)/,
    ],
    [
      "extra.idx",
      Buffer.concat([good, Buffer.from([9])]),
      /needing 6 data bytes, but 7 follow the header \(1 extra\)/,
    ],
    ["wrong-count.idx", idx(0x0c, [2], Buffer.alloc(4)), /needing 8 data bytes, but only 4/],
    ["cut.gz", gzipSync(good).subarray(0, 20), /is not valid gzip data .*download may be incomplete/],
  ];
  for (const [name, bytes, message] of cases) {
    const file = write(name, bytes);
    assert.throws(
      () => readIdx(file),
      (e: unknown) =>
        e instanceof IdxFormatError && e.message.startsWith(`IDX file '${file}' `) && message.test(e.message),
      name,
    );
  }
  assert.throws(
    () => readIdx(join(dir, "missing-idx3-ubyte")),
    /IDX file '.*missing-idx3-ubyte' does not exist/,
  );
});
