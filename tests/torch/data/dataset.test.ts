// TensorDataset, Subset and IDX files as tensors.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import * as torch from "../../../src/torch/index.js";

const { Subset, TensorDataset } = torch.data;

test("TensorDataset: sample i is row i of every tensor; length is the row count", () => {
  torch.tidy(() => {
    const x = torch.arange(0, 12).reshape([4, 3]);
    const y = torch.tensor([10, 11, 12, 13]);
    const ds = new TensorDataset(x, y);
    assert.equal(ds.length, 4);
    const [xi, yi] = ds.getItem(2);
    assert.deepEqual(xi!.toArray(), [6, 7, 8]);
    assert.equal(yi!.item(), 12);
    assert.deepEqual(ds.getItem(-1)[1]!.item(), 13);
    assert.throws(() => ds.getItem(4), torch.TorchError);
  });
});

test("TensorDataset rejects no tensors and 0-dim tensors", () => {
  torch.tidy(() => {
    assert.throws(() => new TensorDataset(), /at least one tensor/);
    assert.throws(() => new TensorDataset(torch.tensor(3)), /0-dim tensor has no rows/);
  });
});

test("Subset maps indices (negative ones from the end) and reports out-of-range ones", () => {
  torch.tidy(() => {
    const ds = new TensorDataset(torch.tensor([5, 6, 7, 8]));
    const sub = new Subset(ds, [3, 0, -3]);
    assert.equal(sub.length, 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => sub.getItem(i)[0]!.item()),
      [8, 5, 6],
    );
    assert.equal(sub.getItem(-1)[0]!.item(), 6);
    assert.throws(() => sub.getItem(3), /Subset index 3 is out of range for a subset of 3 samples/);
    const loader = new torch.data.DataLoader({ dataset: sub, batch_size: 3 });
    assert.deepEqual([...loader][0]![0]!.toArray(), [8, 5, 6]);
    const bad = new torch.data.DataLoader({ dataset: new Subset(ds, [9]), batch_size: 3 });
    assert.throws(() => [...bad], /Subset index 9 \(position 0\) is out of range for a dataset of 4 samples/);
  });
});

test("parseIdxTensor gives a uint8 tensor of the file's shape", () => {
  torch.tidy(() => {
    const header = Buffer.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    const bytes = Buffer.concat([header, Buffer.from([1, 2, 3, 4, 5, 255])]);
    for (const input of [bytes, gzipSync(bytes)]) {
      const t = torch.data.parseIdxTensor(input, "tiny");
      assert.equal(t.dtype, "uint8");
      assert.deepEqual(t.toArray(), [
        [1, 2, 3],
        [4, 5, 255],
      ]);
    }
    assert.throws(() => torch.data.parseIdxTensor(bytes.subarray(0, 14), "cut"), /truncated/);
  });
});

const labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
test("readIdxTensor reads Fashion-MNIST's test labels", {
  skip: existsSync(labels) ? false : "Debian's dataset-fashion-mnist is not installed",
}, () => {
  torch.tidy(() => {
    const t = torch.data.readIdxTensor(labels);
    assert.deepEqual(t.shape, [10000]);
    assert.equal(t.dtype, "uint8");
    assert.equal(t.max().item(), 9);
  });
});
