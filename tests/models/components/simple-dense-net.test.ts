// SimpleDenseNet: the template's layers and sizes, flattening of image batches, option checks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SimpleDenseNet } from "../../../src/models/components/simple-dense-net.js";
import * as torch from "../../../src/torch/index.js";

test("layers are Linear+BatchNorm1d+ReLU blocks with the configured sizes", () => {
  const net = new SimpleDenseNet({
    input_size: 784,
    lin1_size: 64,
    lin2_size: 128,
    lin3_size: 64,
    output_size: 10,
  });
  const names = net.model.namedChildren().map(([n, m]) => `${n}:${m.constructor.name}`);
  assert.deepEqual(names, [
    "0:Linear", "1:BatchNorm1d", "2:ReLU", "3:Linear", "4:BatchNorm1d", "5:ReLU",
    "6:Linear", "7:BatchNorm1d", "8:ReLU", "9:Linear",
  ]); // biome-ignore format: one row per block
  const linear = (i: number) => net.model.at(i).parameters()[0]!.shape;
  assert.deepEqual(
    [linear(0), linear(3), linear(6), linear(9)],
    [
      [64, 784],
      [128, 64],
      [64, 128],
      [10, 64],
    ],
  );
  // weights + biases of 4 Linear layers, weight + bias of 3 BatchNorm1d layers
  const expected = 784 * 64 + 64 + 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10 + 2 * (64 + 128 + 64);
  assert.equal(torch.nn.countParameters(net).total, expected);
  net.dispose();
});

test("forward flattens [N, 1, 28, 28] images to logits [N, 10]; the defaults are the template's", () => {
  const net = new SimpleDenseNet();
  assert.deepEqual(net.model.at(0).parameters()[0]!.shape, [256, 784]);
  torch.tidy(() => {
    const out = net.call(torch.randn([5, 1, 28, 28]));
    assert.deepEqual(out.shape, [5, 10]);
    assert.equal(out.dtype, "float32");
  });
  net.dispose();
});

test("bad sizes and unknown options are errors naming the option", () => {
  assert.throws(() => new SimpleDenseNet({ lin1_size: 0 }), /lin1_size must be a positive integer, got 0/);
  assert.throws(() => new SimpleDenseNet({ hidden: 3 } as never), /unexpected option 'hidden'/);
});
