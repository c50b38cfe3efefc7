// Shape, indexing, gather/scatter and where ops against Python torch (scripts/fixtures/shape_math_ops.py), with
// float64 gradchecks, view semantics of t.index(...), and errors that name the op and the shapes.
import assert from "node:assert/strict";
import type { Tensor } from "../../../src/torch/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { declareFixtureTests, type FixtureOp, fixtureCases, indices } from "./fixture.js";

const scaled = (parts: Tensor[], dim: number): Tensor =>
  torch.cat(
    parts.map((p, i) => p.mul(i + 1)),
    dim,
  );
const mask = (like: Tensor): Tensor =>
  torch.tensor(
    [
      [true, false, false],
      [false, true, true],
    ],
    { device: like.device },
  );
const scatterIndex = (like: Tensor): Tensor =>
  indices(
    [
      [2, 0],
      [1, 2],
    ],
    like,
  );

// The JS side of each Python case (functional forms and methods both appear).
const ops: Record<string, FixtureOp> = {
  view: (x) => x!.view([3, 2]),
  reshape_infer: (x) => torch.reshape(x!, [-1, 4]),
  flatten_from1: (x) => torch.flatten(x!, 1),
  squeeze_dim: (x) => x!.unsqueeze(0).unsqueeze(2).squeeze(0),
  unsqueeze_neg: (x) => torch.unsqueeze(x!, -1),
  permute: (x) => x!.permute([2, 0, 1]),
  transpose: (x) => torch.transpose(x!, 0, 2),
  t: (x) => x!.t(),
  expand: (x) => x!.expand([2, 2, 3]),
  cat_dim1: (x, y) => torch.cat([x!, y!, x!], 1),
  stack_dim1: (x, y) => torch.stack([x!, y!], 1),
  split_sizes: (x) => scaled(x!.split([1, 3], 1), 1),
  split_size: (x) => scaled(torch.split(x!, 2), 0),
  chunk: (x) => scaled(x!.chunk(3, 1), 1),
  narrow: (x) => x!.narrow(1, 1, 2),
  slice_step: (x) => x!.slice(1, 1, null, 2),
  select: (x) => torch.select(x!, 1, -1),
  index_basic: (x) => x!.index("1:", null, "::2"),
  index_ellipsis_int: (x) => torch.index(x!, "...", 1),
  index_tensor: (x) => x!.index(indices([2, 0, 2], x!), [1, 3]),
  index_mask: (x) => x!.index(mask(x!)),
  index_select: (x) => x!.indexSelect(0, indices([2, 0, 2], x!)),
  gather: (x) =>
    torch.gather(
      x!,
      1,
      indices(
        [
          [0, 2],
          [1, 1],
        ],
        x!,
      ),
    ),
  scatter_src: (x, s) => x!.scatter(1, scatterIndex(x!), s!),
  scatter_value: (x) => torch.scatter(x!, 1, scatterIndex(x!), -1.0),
  scatter_add: (x, s) => torch.scatterAdd(x!, 1, scatterIndex(x!), s!),
  masked_fill: (x) => x!.maskedFill(mask(x!), 0.5),
  masked_fill_broadcast: (x) =>
    torch.maskedFill(x!, torch.tensor([true, false, true], { device: x!.device }), -3),
  where_tensors: (x, y) => torch.where(x!.gt(0.5), x!, y!),
  where_scalar: (x) => x!.where(x!.gt(0.5), 0.0),
  where_both_scalars: (x) => torch.where(x!.gt(0.5), 1.5, -0.5),
  clone: (x) => torch.clone(x!),
  flip: (x) => x!.flip([0, 2]),
  repeat: (x) => x!.repeat([2, 1, 2]),
  tril: (x) => torch.tril(x!),
  triu_offset: (x) => x!.triu(1),
};

declareFixtureTests(fixtureCases("shape"), ops);

testOnDevices("index(): every element kind, compared with the equivalent ops", (device) => {
  torch.tidy(() => {
    const x = torch.arange(0, 24, 1, { device }).reshape([2, 3, 4]);
    assert.deepEqual(x.index(1, ":", -1).toArray(), [15, 19, 23]);
    assert.deepEqual(x.index(1, [], -1).toArray(), [15, 19, 23], "[] is the full range");
    assert.deepEqual(
      x.index(0, "1:3", [null, null, 3]).toArray(),
      x.select(0, 0).slice(0, 1, 3).slice(1, 0, null, 3).toArray(),
    );
    assert.deepEqual(x.index("...", "-2:").shape, [2, 3, 2], "negative range bounds count from the end");
    assert.deepEqual(x.index(null, "...", null).shape, [1, 2, 3, 4, 1]);
    assert.deepEqual(
      x.index(0, [1]).shape,
      [2, 4],
      "[1] is the range 1: (a range array, not an index tensor)",
    );
    assert.deepEqual(x.index(true).shape, [1, 2, 3, 4], "a boolean adds a dim, as in Python");
    assert.deepEqual(x.index("...", 0).toArray(), x.select(2, 0).toArray());
    assert.deepEqual(x.index().shape, [2, 3, 4]);
    assert.equal(x.index(1, 2, 3).item(), 23, "all integers give a 0-dim tensor");
  });
});

testOnDevices(
  "basic indexing and narrow/slice/select/view/expand are views; advanced indexing copies",
  (device) => {
    torch.tidy(() => {
      const x = torch.zeros([3, 4], { device });
      x.index(1, "1:3").fill_(5);
      x.narrow(0, 2, 1).add_(1);
      x.slice(1, 0, null, 3).index(0).fill_(7);
      x.t().select(0, 0).index(0).fill_(-1);
      assert.deepEqual(x.toArray(), [
        [-1, 0, 0, 7],
        [0, 5, 5, 0],
        [1, 1, 1, 1],
      ]);
      assert.equal(x.t().isContiguous(), false);
      assert.equal(x.t().contiguous().isContiguous(), true);
      x.index(indices([0], x)).fill_(9);
      assert.equal(x.index(0, 0).item(), -1, "an index tensor gives a copy");
      const e = torch.tensor([1, 2], { device }).unsqueeze(1).expandAs(x.index("0:2", "0:2"));
      assert.deepEqual(e.shape, [2, 2]);
      assert.equal(e.isContiguous(), false, "expand makes stride-0 views");
    });
  },
);

testOnDevices("indexPut_, scatter_, scatterAdd_, maskedFill_ write in place and return this", (device) => {
  torch.tidy(() => {
    const x = torch.zeros([2, 3], { device });
    assert.equal(x.indexPut_([0, "1:"], 4), x);
    x.indexPut_(["...", 0], torch.tensor([1, 2], { device }));
    x.indexPut_([x.gt(3)], 8);
    assert.deepEqual(x.toArray(), [
      [1, 8, 8],
      [2, 0, 0],
    ]);
    const idx = indices([[2, 2, 0]], x);
    assert.equal(x.scatter_(1, idx, torch.tensor([[-1, -2, -3]], { dtype: "float32", device })), x);
    assert.equal(x.scatterAdd_(1, idx, torch.ones([1, 3], { device })), x);
    assert.equal(x.maskedFill_(x.lt(-1), 0), x);
    assert.deepEqual(x.toArray(), [
      [0, 8, 0],
      [2, 0, 0],
    ]);
  });
});

testOnDevices("split, chunk and flatten edge cases follow PyTorch", (device) => {
  torch.tidy(() => {
    const x = torch.arange(0, 10, 1, { device });
    assert.deepEqual(
      x.split(4).map((p) => p.shape[0]),
      [4, 4, 2],
    );
    assert.deepEqual(
      torch.chunk(x, 4).map((p) => p.shape[0]),
      [3, 3, 3, 1],
    );
    assert.deepEqual(
      torch.chunk(torch.arange(0, 6, 1, { device }), 4).map((p) => p.shape[0]),
      [2, 2, 2],
      "chunk may return fewer pieces",
    );
    assert.deepEqual(torch.zeros([2, 1, 3, 1], { device }).squeeze().shape, [2, 3]);
    assert.deepEqual(torch.zeros([2, 1, 3, 1], { device }).squeeze([1, 3]).shape, [2, 3]);
    assert.deepEqual(torch.zeros([2, 1, 3, 1], { device }).squeeze(0).shape, [2, 1, 3, 1]);
    assert.deepEqual(torch.zeros([2, 3, 4], { device }).flatten().shape, [24]);
    assert.deepEqual(torch.zeros([2, 3, 4, 5], { device }).flatten(1, 2).shape, [2, 12, 5]);
  });
});

testOnDevices("shape errors name the op, the shapes and what is wrong", (device) => {
  torch.tidy(() => {
    const on = device === "cuda" ? " on cuda:0" : "";
    const a = torch.zeros([2, 3], { device });
    const cases: [() => unknown, string, RegExp][] = [
      [
        () => a.view([4]),
        "view",
        new RegExp(
          `^view\\(float32\\[2, 3\\]${on}, \\[4\\]\\): shape '\\[4\\]' is invalid for input of size 6`,
        ),
      ],
      [
        () => a.t().view([6]),
        "view",
        /^view\(float32\[3, 2\].*view size is not compatible with input tensor's size and stride.*Use \.reshape/,
      ],
      [
        () => torch.cat([a, torch.zeros([2, 4], { device })]),
        "cat",
        /^cat\(\[float32\[2, 3\].*float32\[2, 4\].*\]\): Sizes of tensors must match except in dimension 0\. Expected size 3 but got size 4/,
      ],
      [
        () => torch.stack([a, torch.zeros([3, 2], { device })]),
        "stack",
        /^stack\(.*stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 1/,
      ],
      [
        () => a.transpose(0, 2),
        "transpose",
        /^transpose\(float32\[2, 3\].*, 0, 2\): Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
      ],
      [() => a.unsqueeze(5), "unsqueeze", /Dimension out of range/],
      [
        () => a.permute([0, 0]),
        "permute",
        /^permute\(float32\[2, 3\].*, \[0, 0\]\): permute\(\): duplicate dims are not allowed/,
      ],
      [
        () => a.expand([3, 3]),
        "expand",
        /^expand\(float32\[2, 3\].*, \[3, 3\]\): The expanded size of the tensor \(3\) must match the existing size \(2\)/,
      ],
      [
        () => a.index(0, 0, 0),
        "index",
        /^index\(float32\[2, 3\].*too many indices for tensor of dimension 2/,
      ],
      [() => a.index(5), "index", /index 5 is out of bounds for dimension 0 with size 2/],
      [
        () => a.gather(1, indices([[3]], a)),
        "gather",
        /^gather\(.*index 3 is out of bounds for dimension 1 with size 3/,
      ],
      [
        () => a.maskedFill(torch.zeros([2, 3], { device }), 1),
        "maskedFill",
        /masked_fill_ only supports boolean masks/,
      ],
      [
        () => torch.where(a.gt(0), a, torch.zeros([4], { device })),
        "where",
        /^where\(bool\[2, 3\].*float32\[4\].*The size of tensor/,
      ],
      [() => a.narrow(1, 2, 2), "narrow", /start \(2\) \+ length \(2\) exceeds dimension size \(3\)/],
      [() => a.split([1, 2]), "split", /^split\(.*split_with_sizes expects split_sizes to sum exactly to 2/],
    ];
    for (const [fn, op, pattern] of cases) {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof torch.TorchError, `${op}: expected a TorchError, got ${String(caught)}`);
      assert.equal(caught.op, op);
      assert.match(caught.message, pattern);
    }
    assert.throws(() => a.index("1:2:3:4"), /index: "1:2:3:4" is not a range; use "start:end:step"/);
    assert.throws(() => a.index("a:b"), /is not a range/);
  });
});

testOnDevices("shape ops inside tidy leave the live-tensor count where it started", (device) => {
  const before = torch.memoryStats().liveTensors;
  torch.tidy(() => {
    const x = torch.randn([4, 6], { device, requiresGrad: true });
    for (let k = 0; k < 20; k++) {
      const parts = x.split(2, 1).map((p) => p.t().flip(0));
      const y = torch.cat(parts, 0).index("::2", null).expand([-1, 3, -1]).reshape([-1]);
      y.sum().backward();
    }
    assert.deepEqual(x.grad!.shape, [4, 6]);
  });
  assert.equal(torch.memoryStats().liveTensors, before);
});
