// Reductions against Python torch (scripts/fixtures/reduce_nn_ops.py), float64 gradchecks, and their options.
import assert from "node:assert/strict";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { declareMultiOutputTests, type MultiOutputOp, reduceNnCases } from "./fixture.js";

// The JS side of each Python reduction case, by name.
const ops: Record<string, MultiOutputOp> = {
  sum_dims_list: (x) => torch.sum(x!, [0, 2]),
  sum_int_dtype: (x) => x!.sum(1, { dtype: "float64" }),
  mean_all: (x) => x!.mean(),
  mean_dim_keepdim: (x) => torch.mean(x!, 1, { keepdim: true }),
  max_all: (x) => x!.max(),
  max_dim: (x) => torch.max(x!, 1),
  min_all: (x) => torch.min(x!),
  min_dim_keepdim: (x) => x!.min(0, { keepdim: true }),
  argmax_all: (x) => torch.argmax(x!),
  argmax_dim: (x) => x!.argmax(1),
  argmin_dim_keepdim: (x) => torch.argmin(x!, 0, { keepdim: true }),
  std_all: (x) => x!.std(),
  std_dim_correction0: (x) => torch.std(x!, 1, { correction: 0 }),
  var_unbiased_false: (x) => torch.var(x!, undefined, { unbiased: false }),
  var_dims_keepdim: (x) => x!.var([0, 2], { keepdim: true }),
  norm_default: (x) => x!.norm(),
  norm_p1_dim: (x) => torch.norm(x!, 1, 1),
  norm_inf_dim: (x) => torch.norm(x!, Infinity, 0),
  norm_fro_dims: (x) => torch.norm(x!, "fro", [1, 2]),
  norm_p3_keepdim: (x) => x!.norm(3, 2, { keepdim: true }),
  prod_all: (x) => x!.prod(),
  prod_dim: (x) => torch.prod(x!, 1),
  all_full: (x) => torch.all(x!),
  all_dim: (x) => x!.all(1),
  any_dims_keepdim: (x) => torch.any(x!, [0, 1], { keepdim: true }),
  any_dim_int: (x) => x!.any(0),
  topk_largest: (x) => torch.topk(x!, 2, { dim: 1 }),
  topk_smallest_dim0: (x) => x!.topk(2, { dim: 0, largest: false }),
  cumsum_dim1: (x) => torch.cumsum(x!, 1),
  cumsum_int_dtype: (x) => x!.cumsum(0, { dtype: "float64" }),
  logsumexp_dim: (x) => torch.logsumexp(x!, 1),
  logsumexp_dims_keepdim: (x) => x!.logsumexp([0, 2], { keepdim: true }),
  amax_dims: (x) => torch.amax(x!, [0, 2]),
  amin_all: (x) => x!.amin(),
  amax_ties: (x) => torch.amax(x!, 1),
};

const cases = reduceNnCases(ops);
assert.equal(cases.length, Object.keys(ops).length, "every reduction op has a fixture case");

declareMultiOutputTests(cases, ops);

testOnDevices("max/min without a dim return a tensor, with a dim {values, indices}", (device) => {
  torch.tidy(() => {
    const x = torch.tensor(
      [
        [1, 7, 3],
        [9, 2, 5],
      ],
      { dtype: "float32", device },
    );
    assert.equal(x.max().item(), 9);
    const { values, indices } = x.min(1, { keepdim: true });
    assert.deepEqual(values.toArray(), [[1], [2]]);
    assert.deepEqual(indices.toArray(), [[0], [1]]);
    assert.equal(indices.dtype, "int64");
  });
});

testOnDevices("topk with sorted: false returns the same set of elements", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([4, 1, 9, 7, 3], { dtype: "float64", device });
    const { values, indices } = x.topk(3, { sorted: false });
    assert.deepEqual(
      (values.toArray() as number[]).sort((a, b) => a - b),
      [4, 7, 9],
    );
    assert.deepEqual((indices.toArray() as number[]).sort(), [0, 2, 3]);
  });
});

testOnDevices("sum of float32 with dtype float64 accumulates in float64", (device) => {
  torch.tidy(() => {
    const x = torch.ones([3, 2], { dtype: "float32", device });
    assert.equal(x.sum(undefined, { dtype: "float64" }).dtype, "float64");
    assert.equal(x.mean(0).dtype, "float32");
  });
});

testOnDevices("reduction errors name the op and the shapes", (device) => {
  torch.tidy(() => {
    const x = torch.zeros([2, 3], { device });
    assert.throws(() => x.sum(5), /^TorchError: sum\(float32\[2, 3\].*, 5\): Dimension out of range/);
    assert.throws(() => torch.topk(x, 4, { dim: 1 }), /topk\(float32\[2, 3\].*, 4, 1\): .*out of range/);
    assert.throws(() => x.std(0, { correction: 1, unbiased: true }), /either correction or unbiased/);
    assert.throws(() => x.norm("nuc" as "fro"), /p="nuc" is not supported/);
    assert.throws(() => x.prod(7), /^TorchError: prod\(float32\[2, 3\]/);
  });
});
