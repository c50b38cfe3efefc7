// Layers and containers: constructor options, forward behaviour, printouts, errors, and no leaks.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { Outer } from "./models.js";

const { nn } = torch;

test("Sequential, ModuleList and ModuleDict keep order and names", () => {
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh());
  seq.append(new nn.Linear(3, 1));
  assert.equal(seq.length, 3);
  assert.deepEqual(
    seq.namedChildren().map(([n]) => n),
    ["0", "1", "2"],
  );
  assert.equal(seq.at(-1), [...seq][2]);
  assert.throws(() => seq.at(3), /out of range for Sequential of length 3/);
  const named = new nn.Sequential(
    new Map<string, torch.nn.Module>([
      ["enc", new nn.Linear(2, 2)],
      ["act", new nn.ReLU()],
    ]),
  );
  assert.deepEqual(
    named.namedParameters().map(([n]) => n),
    ["enc.weight", "enc.bias"],
  );
  const list = new nn.ModuleList([new nn.Linear(1, 1)]).extend([new nn.Linear(1, 1)]);
  assert.deepEqual(
    list.namedParameters().map(([n]) => n),
    ["0.weight", "0.bias", "1.weight", "1.bias"],
  );
  const dict = new nn.ModuleDict({ b: new nn.ReLU() });
  dict.set("10", new nn.Linear(1, 2));
  dict.set("2", new nn.Linear(2, 1));
  assert.deepEqual(dict.keys(), ["b", "10", "2"], "insertion order, even for integer-like keys");
  assert.deepEqual(
    dict.namedParameters().map(([n]) => n),
    ["10.weight", "10.bias", "2.weight", "2.bias"],
  );
  assert.throws(() => dict.get("x"), /ModuleDict has no key "x" \(keys: b, 10, 2\)/);
  assert.equal(
    String(dict),
    "ModuleDict(\n  (b): ReLU()\n  (10): Linear(in_features=1, out_features=2, bias=True)\n" +
      "  (2): Linear(in_features=2, out_features=1, bias=True)\n)",
  );
  dict.pop("2").dispose();
  assert.equal(dict.has("2"), false);
  for (const m of [seq, named, list, dict]) m.dispose();
});

test("activations, Flatten, Identity and Softmax follow their functional forms", () => {
  torch.tidy(() => {
    const x = torch.tensor([[-2, -0.5, 0, 1.5]]);
    const vals = (m: torch.nn.Module) => (m.call as (t: torch.Tensor) => torch.Tensor).call(m, x).toArray();
    assert.deepEqual(vals(new nn.ReLU()), [[0, 0, 0, 1.5]]);
    assert.deepEqual(vals(new nn.LeakyReLU(0.5)), [[-1, -0.25, 0, 1.5]]);
    assert.deepEqual(vals(new nn.Identity(1, "anything")), x.toArray());
    assert.ok(torch.allclose(new nn.Sigmoid().call(x), torch.sigmoid(x)));
    assert.ok(torch.allclose(new nn.Tanh().call(x), torch.tanh(x)));
    assert.ok(torch.allclose(new nn.SiLU().call(x), x.mul(torch.sigmoid(x))));
    assert.ok(
      torch.allclose(new nn.GELU("tanh").call(x), torch.nn.functional.gelu(x, { approximate: "tanh" })),
    );
    assert.ok(!torch.allclose(new nn.GELU().call(x), new nn.GELU({ approximate: "tanh" }).call(x), 0, 1e-7));
    const sm = new nn.Softmax(1).call(x);
    assert.ok(Math.abs((sm.sum().item() as number) - 1) < 1e-6);
    assert.ok(torch.allclose(new nn.LogSoftmax(1).call(x), sm.log()));
    // dim=None: PyTorch's legacy rule picks dim 1 for 2-D input
    assert.ok(torch.allclose(new nn.Softmax().call(x), sm));
    assert.deepEqual(new nn.Flatten().call(torch.zeros([2, 3, 4, 5])).shape, [2, 60]);
    assert.deepEqual(new nn.Flatten(0, 1).call(torch.zeros([2, 3, 4])).shape, [6, 4]);
  });
  assert.equal(
    String(new nn.LeakyReLU(0.2, { inplace: true })),
    "LeakyReLU(negative_slope=0.2, inplace=True)",
  );
  assert.equal(String(new nn.GELU()), "GELU(approximate='none')");
  assert.equal(String(new nn.Softmax(-1)), "Softmax(dim=-1)");
  assert.equal(String(new nn.Flatten()), "Flatten(start_dim=1, end_dim=-1)");
  assert.equal(String(new nn.Dropout()), "Dropout(p=0.5, inplace=False)");
  assert.equal(String(new nn.ReLU()), "ReLU()");
});

test("Dropout drops in training mode only", () => {
  const d = new nn.Dropout(0.5);
  torch.tidy(() => {
    const x = torch.ones([1000]);
    const y = d.call(x);
    const kept = (y.ne(0).sum().item() as number) / 1000;
    assert.ok(kept > 0.4 && kept < 0.6, `kept ${kept}`);
    assert.ok(y.eq(0).logicalOr(y.eq(2)).all().item(), "survivors are scaled by 1 / (1 - p)");
    d.eval();
    assert.ok(torch.equal(d.call(x), x));
  });
  assert.throws(() => new nn.Dropout(1.5), /between 0 and 1, but got 1.5/);
});

test("LayerNorm normalizes the trailing dims; options and printout as PyTorch", () => {
  const ln = new nn.LayerNorm(4);
  assert.equal(String(ln), "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)");
  torch.tidy(() => {
    const y = ln.call(torch.tensor([[1, 2, 3, 4]], { dtype: "float32" }));
    assert.ok(Math.abs(y.mean().item() as number) < 1e-6);
    assert.deepEqual(
      ln.namedParameters().map(([n]) => n),
      ["weight", "bias"],
    );
  });
  const bare = new nn.LayerNorm([2, 3], { elementwise_affine: false, eps: 1e-6 });
  assert.equal(bare.parameters().length, 0);
  assert.equal(String(bare), "LayerNorm((2, 3), eps=1e-06, elementwise_affine=False, bias=False)");
  ln.dispose();
});

test("BatchNorm options: no affine, no running stats, input-dim checks, BatchNorm2d", () => {
  const plain = new nn.BatchNorm1d(3, { affine: false, track_running_stats: false });
  assert.equal(plain.parameters().length, 0);
  assert.equal(plain.buffers().length, 0);
  torch.tidy(() => {
    assert.deepEqual([...plain.stateDict().keys()], []);
    const y = plain.eval().call(torch.randn([8, 3]));
    // without running stats, eval mode still normalizes with batch statistics
    assert.ok(Math.abs(y.mean().item() as number) < 1e-5);
    assert.throws(() => plain.call(torch.zeros([2, 3, 4, 5])), /expected 2D or 3D input \(got 4D input\)/);
    const bn2 = new nn.BatchNorm2d(3, { momentum: 0.5 });
    bn2.call(torch.ones([2, 3, 2, 2]));
    assert.deepEqual(bn2.runningMean!.toArray(), [0.5, 0.5, 0.5]);
    assert.equal(bn2.numBatchesTracked!.item(), 1);
    assert.throws(() => bn2.call(torch.zeros([2, 3])), /expected 4D input \(got 2D input\)/);
    assert.equal(
      String(bn2),
      "BatchNorm2d(3, eps=1e-05, momentum=0.5, affine=True, bias=True, track_running_stats=True)",
    );
    bn2.dispose();
  });
});

test("Conv2d options: padding 'same', groups, printout, validation", () => {
  const c = new nn.Conv2d(4, 6, 3, { padding: "same", groups: 2, dilation: 2 });
  assert.deepEqual(c.weight.shape, [6, 2, 3, 3]);
  assert.equal(
    String(c),
    "Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=2)",
  );
  torch.tidy(() => assert.deepEqual(c.call(torch.zeros([1, 4, 7, 7])).shape, [1, 6, 7, 7]));
  assert.throws(() => new nn.Conv2d(3, 6, 3, { groups: 2 }), /in_channels must be divisible by groups/);
  assert.throws(() => new nn.Conv2d(3, 6, 3, { padding: "same", stride: 2 }), /not supported for strided/);
  c.dispose();
});

test("Embedding: padding_idx row zero and gradient-free, _weight and _freeze", () => {
  const e = new nn.Embedding(4, 2, { padding_idx: -1 });
  assert.equal(e.paddingIdx, 3);
  assert.deepEqual((e.weight.toArray() as number[][])[3], [0, 0]);
  torch.tidy(() => {
    e.call(torch.tensor([3, 0]))
      .sum()
      .backward();
    assert.deepEqual(e.weight.grad!.toArray(), [
      [1, 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    const w = torch.arange(0, 6, 1, { dtype: "float32" }).reshape([3, 2]);
    const frozen = new nn.Embedding(3, 2, { _weight: w, _freeze: true });
    assert.equal(frozen.weight.requiresGrad, false);
    assert.deepEqual(frozen.call(torch.tensor([2])).toArray(), [[4, 5]]);
    frozen.dispose();
  });
  assert.throws(
    () => new nn.Embedding(4, 2, { padding_idx: 4 }),
    /Padding_idx must be within num_embeddings/,
  );
  e.dispose();
});

test("no leaks: live tensors stay flat over 100 forward/backward passes in tidy", () => {
  torch.manualSeed(0);
  const model = new Outer();
  const conv = new nn.Sequential(
    new nn.Conv2d(1, 2, 3),
    new nn.BatchNorm2d(2),
    new nn.GELU(),
    new nn.Flatten(),
    new nn.Dropout(0.1),
    new nn.Linear(8, 3),
    new nn.LogSoftmax(1),
  );
  const x = torch.randn([6, 4]);
  const img = torch.randn([2, 1, 4, 4]);
  const live = () => torch.memoryStats().liveTensors;
  const step = () =>
    torch.tidy(() => {
      model.zeroGrad();
      conv.zeroGrad();
      model.call(x).pow(2).sum().backward();
      conv.call(img).sum().backward();
      torch.tidy(() => model.stateDict());
    });
  step();
  const before = live();
  for (let i = 0; i < 100; i++) step();
  assert.equal(live(), before);
  model.zeroGrad();
  conv.zeroGrad();
  const owned = new Set([...model.parameters(), ...model.buffers(), ...conv.parameters(), ...conv.buffers()])
    .size;
  model.dispose();
  conv.dispose();
  x.dispose();
  img.dispose();
  assert.equal(live(), before - owned - 2);
});
