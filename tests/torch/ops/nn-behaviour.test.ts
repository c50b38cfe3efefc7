// nn functional behaviour that value fixtures cannot show: running-stat updates, dropout statistics and modes,
// the functional namespace, and errors that name the op and the shapes.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Tensor } from "../../../src/torch/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";

const F = torch.nn.functional;
const values = (t: Tensor): number[] => Array.from(t.toTypedArray(), Number);

function assertNear(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let k = 0; k < actual.length; k++) {
    const [a, e] = [actual[k]!, expected[k]!];
    assert.ok(Math.abs(a - e) <= tol, `${what}[${k}]: ${a} != ${e}`);
  }
}

testOnDevices(
  "batchNorm in training mode updates running stats in place (momentum, unbiased variance)",
  (device) => {
    torch.tidy(() => {
      const rows = [
        [1, 10],
        [2, 20],
        [4, 40],
        [9, 90],
      ];
      const x = torch.tensor(rows, { dtype: "float64", device });
      const runningMean = torch.tensor([0.5, -1], { dtype: "float64", device });
      const runningVar = torch.tensor([2, 3], { dtype: "float64", device });
      const out = F.batchNorm(x, runningMean, runningVar, { training: true, momentum: 0.25 });
      const expectMean: number[] = [];
      const expectVar: number[] = [];
      const outCols: number[][] = [[], []];
      for (let c = 0; c < 2; c++) {
        const col = rows.map((r) => r[c]!);
        const mean = col.reduce((a, b) => a + b) / 4;
        const ss = col.reduce((a, b) => a + (b - mean) ** 2, 0);
        expectMean.push(0.75 * [0.5, -1][c]! + 0.25 * mean);
        expectVar.push(0.75 * [2, 3][c]! + 0.25 * (ss / 3)); // running var uses the unbiased batch variance
        for (const v of col) outCols[c]!.push((v - mean) / Math.sqrt(ss / 4 + 1e-5)); // output the biased one
      }
      assertNear(values(runningMean), expectMean, 1e-12, "running_mean");
      assertNear(values(runningVar), expectVar, 1e-12, "running_var");
      const got = values(out);
      assertNear(
        [0, 2, 4, 6].map((k) => got[k]!),
        outCols[0]!,
        1e-9,
        "normalized column 0",
      );
    });
  },
);

testOnDevices("batchNorm in eval mode uses and keeps the running stats", (device) => {
  torch.tidy(() => {
    const x = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float64", device },
    );
    const runningMean = torch.tensor([1, -1], { dtype: "float64", device });
    const runningVar = torch.tensor([4, 0.25], { dtype: "float64", device });
    const weight = torch.tensor([2, 1], { dtype: "float64", device });
    const bias = torch.tensor([0.5, 0], { dtype: "float64", device });
    const out = F.batchNorm(x, runningMean, runningVar, { weight, bias, eps: 0 });
    assertNear(values(out), [0.5, 6, 2.5, 10], 1e-12, "eval output");
    assertNear(values(runningMean), [1, -1], 0, "running_mean unchanged");
    assertNear(values(runningVar), [4, 0.25], 0, "running_var unchanged");
  });
});

testOnDevices("dropout zeroes about p of the elements and scales the rest by 1 / (1 - p)", (device) => {
  torch.tidy(() => {
    torch.manualSeed(7);
    const x = torch.ones([200, 500], { device });
    const out = F.dropout(x, { p: 0.3 });
    const v = values(out);
    const zeros = v.filter((e) => e === 0).length / v.length;
    assert.ok(Math.abs(zeros - 0.3) < 0.01, `dropped fraction ${zeros}`);
    const kept = new Set(v.filter((e) => e !== 0).map((e) => e.toFixed(5)));
    assert.deepEqual([...kept], [(1 / 0.7).toFixed(5)]);
    const mean = out.mean().item() as number;
    assert.ok(Math.abs(mean - 1) < 0.02, `mean ${mean} (expectation preserved)`);
  });
});

testOnDevices("dropout's gradient is the same mask and scale", (device) => {
  torch.tidy(() => {
    torch.manualSeed(3);
    const x = torch.ones([64], { dtype: "float64", device, requiresGrad: true });
    const out = F.dropout(x, { p: 0.5 });
    out.sum().backward();
    assert.deepEqual(values(x.grad!), values(out));
  });
});

testOnDevices("dropout is the identity in eval mode and at p = 0; p = 1 zeroes everything", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([1.5, -2, 3, 0.25], { device });
    assert.deepEqual(values(F.dropout(x, { p: 0.9, training: false })), [1.5, -2, 3, 0.25]);
    assert.deepEqual(values(F.dropout(x, { p: 0 })), [1.5, -2, 3, 0.25]);
    assert.ok(values(F.dropout(x, { p: 1 })).every((e) => e === 0)); // -2 * 0 is -0, as in PyTorch
    const y = torch.ones([1000], { device });
    assert.equal(F.dropout(y, { p: 0.5, inplace: true }), y);
    const zeros = values(y).filter((e) => e === 0).length;
    assert.ok(zeros > 400 && zeros < 600, `in-place dropout zeroed ${zeros} of 1000`);
  });
});

test("torch.nn.functional holds every nn functional op, the same functions as the top-level ones", () => {
  const names = [
    ...[
      "linear",
      "conv2d",
      "maxPool2d",
      "avgPool2d",
      "adaptiveAvgPool2d",
      "batchNorm",
      "layerNorm",
      "dropout",
    ],
    ...["embedding", "oneHot", "relu", "leakyRelu", "gelu", "silu", "softmax", "logSoftmax", "crossEntropy"],
    ...["nllLoss", "mseLoss", "l1Loss", "smoothL1Loss", "binaryCrossEntropy", "binaryCrossEntropyWithLogits"],
  ] as const;
  for (const n of names) assert.equal(typeof F[n], "function", n);
  assert.equal(F.crossEntropy, torch.crossEntropy);
  assert.equal(F.conv2d, torch.conv2d);
  assert.equal(F.batchNorm, torch.batchNorm);
});

testOnDevices("softmax and logSoftmax compute in the requested dtype", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([[1, 2, 3]], { dtype: "float32", device });
    assert.equal(x.softmax(1, { dtype: "float64" }).dtype, "float64");
    assert.equal(F.logSoftmax(x, 1).dtype, "float32");
    assertNear(values(x.softmax(-1)), [0.09003057, 0.24472847, 0.66524096], 1e-6, "softmax");
  });
});

testOnDevices("pooling and conv2d accept unbatched [C, H, W] input", (device) => {
  torch.tidy(() => {
    const x = torch.ones([2, 4, 4], { device });
    assert.deepEqual(F.adaptiveAvgPool2d(x, [1, 2]).shape, [2, 1, 2]);
    assert.deepEqual(F.maxPool2d(x, 2).shape, [2, 2, 2]);
    assert.deepEqual(
      F.conv2d(x, torch.ones([3, 2, 3, 3], { device }), null, { padding: "same" }).shape,
      [3, 4, 4],
    );
  });
});

testOnDevices("nn errors name the op and the shapes", (device) => {
  torch.tidy(() => {
    const f = (shape: number[]) => torch.zeros(shape, { device });
    const labels = (v: number[]) => torch.tensor(v, { dtype: "int64", device });
    const on = device === "cpu" ? "" : " on cuda:0";
    assert.throws(
      () => F.crossEntropy(f([4, 3]), labels([0, 1, 2, 1, 0])),
      (e: Error) =>
        e.name === "TorchError" &&
        e.message.startsWith(`crossEntropy(float32[4, 3]${on}, int64[5]${on}):`) &&
        /Expected input batch_size \(4\) to match target batch_size \(5\)/.test(e.message),
    );
    assert.throws(
      () => F.conv2d(f([1, 3, 5, 5]), f([2, 2, 3, 3])),
      (e: Error) =>
        e.message.startsWith(`conv2d(float32[1, 3, 5, 5]${on}, float32[2, 2, 3, 3]${on},`) &&
        /expected input\[1, 3, 5, 5\] to have 2 channels, but got 3 channels instead/.test(e.message),
    );
    assert.throws(
      () => F.linear(f([4, 3]), f([2, 5])),
      (e: Error) =>
        e.message.startsWith(`linear(float32[4, 3]${on}, float32[2, 5]${on}):`) &&
        /mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\)/.test(e.message),
    );
    assert.throws(
      () => F.crossEntropy(f([2, 3]), labels([0, 7])),
      /crossEntropy\(.*Target 7 is out of bounds/,
    );
    assert.throws(
      () => F.nllLoss(f([2, 3]), f([2])),
      /nllLoss\(float32\[2, 3\].*, float32\[2\].*\): .*Float/,
    );
    assert.throws(
      () => F.mseLoss(f([4, 3]), f([2, 3])),
      /mseLoss\(float32\[4, 3\].*, float32\[2, 3\].*\): .*size/,
    );
    assert.throws(
      () => F.binaryCrossEntropy(f([2, 3]), f([3, 2])),
      /binaryCrossEntropy\(.*\): Using a target size \(\[3, 2\]\) that is different to the input size \(\[2, 3\]\)/,
    );
    assert.throws(
      () => F.binaryCrossEntropyWithLogits(f([2, 3]), f([6])),
      /Target size \(\[6\]\) must be the same as input size \(\[2, 3\]\)/,
    );
    assert.throws(
      () => F.mseLoss(f([2]), f([2]), { reduction: "avg" as "mean" }),
      /reduction "avg" is not a valid/,
    );
    assert.throws(
      () => F.dropout(f([2]), { p: 1.5 }),
      /dropout probability has to be between 0 and 1, but got 1\.5/,
    );
    assert.throws(
      () => F.batchNorm(f([1, 3]), null, null, { training: true }),
      /Expected more than 1 value per channel when training, got input size \[1, 3\]/,
    );
    assert.throws(
      () => F.embedding(labels([0]), f([4, 3]), { padding_idx: 4 }),
      /padding_idx 4 must be within/,
    );
    assert.throws(
      () => F.conv2d(f([1, 2, 5, 5]), f([3, 2, 3, 3]), null, { stride: 2, padding: "same" }),
      /conv2d\(.*"same".*padding='same' is not supported for strided convolutions/,
    );
    assert.throws(() => F.layerNorm(f([2, 3]), [4]), /layerNorm\(float32\[2, 3\].*, \[4\]/);
  });
});
