// A data folder that is a file, cannot be read, or holds part of a dataset is an error naming it and the setting
// behind it; only a folder with no data at all falls back to the bundled digits. Labels outside [0, 10) are an
// error at load naming the file (issue: unreadable MNIST/raw and a data_dir that is a file trained on the
// bundled digits with exit 0; a label byte of 12 failed mid-training inside cross-entropy).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { MNISTDataModule } from "../../src/data/mnist-datamodule.js";
import { NO_BUNDLED, refusedUrl, tempDir } from "../app/helpers.js";
import { FILE_MODES_PREFIX, NO_FILE_MODES } from "../common/fs-faults.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** A uint8 IDX file's bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, data]);
}

/** MNIST's four files in `<root>/MNIST/raw` (a few random images); `badLabel` puts a 12 into t10k's labels. */
function writeMnist(root: string, opts: { badLabel?: boolean; only?: string[] } = {}): string {
  const raw = join(root, "MNIST", "raw");
  mkdirSync(raw, { recursive: true });
  for (const [prefix, n] of [
    ["train", 30],
    ["t10k", 10],
  ] as const) {
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    if (opts.badLabel && prefix === "t10k") labels[7] = 12;
    const files = {
      [`${prefix}-images-idx3-ubyte`]: idx([n, 28, 28], new Uint8Array(n * 784).fill(9)),
      [`${prefix}-labels-idx1-ubyte`]: idx([n], labels),
    };
    for (const [name, bytes] of Object.entries(files)) {
      if (!opts.only || opts.only.includes(name)) writeFileSync(join(raw, name), bytes);
    }
  }
  return raw;
}

const small = { train_val_test_split: [20, 10, 10], batch_size: 5, cache: false, warn: () => {} };

test("a data_dir that is a file is an error naming it, never the bundled digits", async () => {
  const file = join(tempDir("kiln-data-file-"), "data.txt");
  writeFileSync(file, "not a folder");
  const dm = new MNISTDataModule({ ...small, data_dir: file });
  await assert.rejects(dm.prepareData(), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(`cannot read '${file}' \\(the place comes from MNISTDataModule\\(data_dir\\)\\)`),
    );
    assert.match(e.message, /is a file, not a folder \(ENOTDIR\)/);
    return true;
  });
  assert.equal(dm.resolvedSource, null);
});

test("part of a dataset with a failing download is an error listing what is missing", async () => {
  const root = tempDir("kiln-data-partial-");
  writeMnist(root, { only: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] });
  const dm = new MNISTDataModule({
    ...small,
    data_dir: root,
    mirrors: [await refusedUrl()],
    download_timeout: 2,
  });
  await assert.rejects(
    dm.prepareData(),
    /MNIST IDX files incomplete in .*MNIST\/raw: t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\] missing, and the download failed/,
  );
});

test("no data at all still falls back to the bundled digits", { skip: NO_BUNDLED ?? false }, async () => {
  const dm = new MNISTDataModule({
    ...small,
    data_dir: tempDir("kiln-data-none-"),
    mirrors: [await refusedUrl()],
  });
  await dm.prepareData();
  assert.equal(dm.resolvedSource, "bundled");
});

test("a label outside [0, 10) is an error at load naming the labels file", async () => {
  const root = tempDir("kiln-data-labels-");
  const raw = writeMnist(root, { badLabel: true });
  const dm = new MNISTDataModule({ ...small, data_dir: root, source: "idx" });
  await dm.prepareData();
  await assert.rejects(
    dm.setup("fit"),
    new RegExp(
      `^Error: IDX file '${join(raw, "t10k-labels-idx1-ubyte")}' holds label 12 at index 7: labels must be in \\[0, 10\\)`,
    ),
  );
});

/** Runs `kiln train` on `dataDir` in a subprocess, after `prefix` (a command that drops capabilities). */
function trainOn(dataDir: string, prefix: string[] = []): Promise<{ code: number | null; out: string }> {
  const argv = [
    ...(prefix.length > 0 ? [...prefix.slice(1), process.execPath] : []),
    ...["--import", "tsx", join(ROOT, "src", "cli.ts"), "train", "debug=fdr", "extras.print_config=false"],
    `data.data_dir=${dataDir}`,
    "+data.download_timeout=2",
    `hydra.run.dir=${join(tempDir("kiln-data-run-"), "run")}`,
  ];
  return new Promise((done) => {
    const child = spawn(prefix[0] ?? process.execPath, argv, {
      cwd: ROOT,
      env: { ...process.env, KILN_NUM_THREADS: "1", OMP_NUM_THREADS: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => done({ code, out }));
  });
}

test("kiln train on an unreadable MNIST/raw: exit 1 naming the folder and data.data_dir, no bundled digits", {
  skip: NO_FILE_MODES ?? false,
  timeout: 120_000,
}, async () => {
  const root = tempDir("kiln-data-locked-");
  const raw = writeMnist(root);
  chmodSync(raw, 0o000);
  try {
    const r = await trainOn(root, FILE_MODES_PREFIX!);
    assert.equal(r.code, 1, r.out.slice(-3000));
    assert.match(
      r.out,
      new RegExp(
        `cannot read '${raw}' \\(the place comes from data\\.data_dir\\): permission denied \\(EACCES\\)`,
      ),
    );
    assert.doesNotMatch(r.out, /Data source: bundled|bundled with the npm package/);
  } finally {
    chmodSync(raw, 0o755);
  }
});

test("kiln train with data.data_dir set to a file: exit 1 naming it", { timeout: 120_000 }, async () => {
  const file = join(tempDir("kiln-data-file-cli-"), "mnist.tar");
  writeFileSync(file, "x");
  const r = await trainOn(file);
  assert.equal(r.code, 1, r.out.slice(-3000));
  assert.match(r.out, new RegExp(`'${file}' is a file, not a folder \\(ENOTDIR\\)`));
  assert.match(r.out, /the place comes from data\.data_dir/);
  assert.doesNotMatch(r.out, /Data source: bundled/);
});
