// nn.Module: registration and naming, modes, stateDict/loadStateDict, counts, to(), bulk operations.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { Outer } from "./models.js";

const { nn } = torch;
type Linear = torch.nn.Linear;
type BatchNorm1d = torch.nn.BatchNorm1d;

test("registration by assignment gives PyTorch's dotted names (nested Sequential in a custom Module)", () => {
  const m = new Outer();
  assert.deepEqual(
    m.namedParameters().map(([n]) => n),
    [
      "net.model.0.weight",
      "net.model.0.bias",
      "net.model.1.weight",
      "net.model.1.bias",
      "net.model.3.weight",
      "net.model.3.bias",
      "head.weight",
    ],
  );
  assert.deepEqual(
    m.namedBuffers().map(([n]) => n),
    ["net.model.1.running_mean", "net.model.1.running_var", "net.model.1.num_batches_tracked"],
  );
  assert.deepEqual(
    m.namedModules().map(([n, mod]) => `${n}:${mod.constructor.name}`),
    [
      ":Outer",
      "net:Net",
      "net.model:Sequential",
      "net.model.0:Linear",
      "net.model.1:BatchNorm1d",
      "net.model.2:ReLU",
      "net.model.3:Linear",
      "head:Linear",
    ],
  );
  assert.deepEqual(
    m.namedChildren().map(([n]) => n),
    ["net", "head"],
  );
  assert.equal(m.children()[1], m.head);
  assert.equal(m.parameters().length, 7);
  assert.ok(m.parameters().every((p) => p instanceof nn.Parameter && p.requiresGrad));
  assert.equal(m.buffers().length, 3);
  assert.equal(m.modules().length, 8);
  assert.deepEqual(m.namedParameters({ recurse: false }), []);
  assert.deepEqual(
    m.head.namedParameters({ prefix: "head" }).map(([n]) => n),
    ["head.weight"],
  );
  m.dispose();
});

test("explicit registration, reassignment, removal, shared parameters and non-persistent buffers", () => {
  class Custom extends nn.Module {
    declare scale: torch.Tensor;
    constructor() {
      super();
      this.registerParameter("w", new nn.Parameter(torch.ones([2])));
      this.registerParameter("absent", null);
      this.registerModule("inner", new nn.Linear(2, 2));
      this.registerBuffer("scale", torch.full([1], 3));
      this.registerBuffer("cache", torch.zeros([2]), { persistent: false });
    }
  }
  const m = new Custom();
  assert.deepEqual(
    m.namedParameters().map(([n]) => n),
    ["w", "inner.weight", "inner.bias"],
  );
  assert.deepEqual(
    m.namedBuffers().map(([n]) => n),
    ["scale", "cache"],
  );
  torch.tidy(() => assert.deepEqual([...m.stateDict().keys()], ["w", "scale", "inner.weight", "inner.bias"]));
  // reassigning a buffer name keeps it a buffer; assigning null to a module removes it
  const old = m.scale;
  m.registerBuffer("scale", torch.full([1], 5));
  old.dispose();
  assert.equal(m.scale.item(), 5);
  (m as unknown as { inner: Linear }).inner.dispose();
  m.registerModule("inner", null);
  assert.deepEqual(
    m.namedParameters().map(([n]) => n),
    ["w"],
  );
  // a parameter shared by two modules is listed once, but saved under both keys as PyTorch does
  const a = new nn.Linear(3, 3);
  const tied = new nn.Sequential(a, new nn.Linear(3, 3, { bias: false }));
  (tied.at(1) as Linear).weight.dispose();
  (tied.at(1) as Linear).weight = a.weight;
  assert.equal(tied.parameters().length, 2);
  torch.tidy(() => assert.deepEqual([...tied.stateDict().keys()], ["0.weight", "0.bias", "1.weight"]));
  assert.throws(() => m.registerBuffer("a.b", null), /contain no "\."/);
  m.dispose();
  tied.dispose();
});

test("train()/eval() propagate to every submodule; call() runs forward; a module without forward says so", () => {
  const m = new Outer();
  assert.ok(m.modules().every((x) => x.training));
  assert.equal(m.eval(), m);
  assert.ok(m.modules().every((x) => !x.training));
  m.net.train();
  assert.equal(m.training, false);
  assert.ok(m.net.modules().every((x) => x.training));
  torch.tidy(() => {
    const y = m.call(torch.ones([3, 4]));
    assert.deepEqual(y.shape, [3, 2]);
  });
  assert.throws(
    () => new nn.ModuleList([new nn.ReLU()]).call(),
    /ModuleList\] is missing the required "forward"/,
  );
  m.dispose();
});

test("stateDict/loadStateDict round trip copies values in place into the same Parameter objects", () => {
  torch.manualSeed(1);
  const src = new Outer();
  torch.manualSeed(2);
  const dst = new Outer();
  const params = dst.parameters();
  torch.tidy(() => {
    src.train().call(torch.randn([5, 4])); // move the running stats away from their init
    const sd = src.stateDict();
    assert.ok(sd.get("net.model.0.weight") !== src.net.model.at(0).parameters()[0], "values are aliases");
    assert.equal(sd.get("net.model.1.num_batches_tracked")!.dtype, "int64");
    const result = dst.loadStateDict(sd);
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    const after = dst.stateDict();
    for (const [k, v] of sd) assert.ok(torch.equal(v, after.get(k)!), k);
  });
  assert.deepEqual(dst.parameters(), params);
  assert.ok(params.every((p) => p.requiresGrad && p.isLeaf));
  // plain objects work too, and strict: false reports instead of throwing
  torch.tidy(() => {
    const sd = Object.fromEntries(src.stateDict());
    delete sd["head.weight"];
    sd.extra = torch.zeros([1]);
    assert.deepEqual(dst.loadStateDict(sd, { strict: false }), {
      missingKeys: ["head.weight"],
      unexpectedKeys: ["extra"],
    });
  });
  src.dispose();
  dst.dispose();
});

test("loadStateDict errors use PyTorch's layout and copy nothing", () => {
  const m = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
  torch.tidy(() => {
    const before = m.stateDict();
    const snapshot = new Map([...before].map(([k, v]) => [k, v.toArray()]));
    const sd = new Map(before);
    sd.delete("2.bias");
    sd.set("0.weight", torch.zeros([4, 4]));
    sd.set("1.weight", torch.zeros([1]));
    sd.set("0.bias", torch.zeros([3]));
    let err: unknown;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof nn.StateDictError);
    assert.equal(
      err.message,
      "Error(s) in loading state_dict for Sequential:\n" +
        '\tMissing key(s) in state_dict: "2.bias". \n' +
        '\tUnexpected key(s) in state_dict: "1.weight". \n' +
        "\tsize mismatch for 0.weight: copying a param with shape torch.Size([4, 4]) from checkpoint, " +
        "the shape in current model is torch.Size([3, 4]).",
    );
    assert.deepEqual(err.missingKeys, ["2.bias"]);
    assert.deepEqual(err.unexpectedKeys, ["1.weight"]);
    // size mismatches are errors even when not strict; still nothing copied (0.bias kept its value)
    assert.throws(
      () => m.loadStateDict(sd, { strict: false }),
      /^(?!.*Missing)(?=.*size mismatch for 0\.weight)/s,
    );
    for (const [k, v] of m.stateDict()) assert.deepEqual(v.toArray(), snapshot.get(k), k);
    assert.throws(
      () => m.loadStateDict({ ...Object.fromEntries(before), "0.bias": [1, 2, 3] }),
      /While copying the parameter named "0\.bias", expected torch\.Tensor .* received Array/,
    );
  });
  m.dispose();
});

test("BatchNorm accepts a checkpoint without num_batches_tracked (older PyTorch files)", () => {
  const bn = new nn.BatchNorm1d(2);
  torch.tidy(() => {
    const sd = bn.stateDict();
    sd.delete("num_batches_tracked");
    assert.deepEqual(bn.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
  });
  bn.dispose();
});

test("parameter counts: total, trainable, non-trainable (frozen with requiresGrad_)", () => {
  const m = new Outer();
  // 4*8+8 + 8+8 + 8*2+2 + 2*2 = 78
  assert.deepEqual(m.countParameters(), { total: 78, trainable: 78, nonTrainable: 0 });
  m.net.model.at(0).requiresGrad_(false);
  assert.deepEqual(nn.countParameters(m), { total: 78, trainable: 38, nonTrainable: 40 });
  m.dispose();
});

test("to(dtype) converts parameters, buffers and grads in place, keeping the Parameter objects", () => {
  const m = new Outer();
  const params = m.parameters();
  const weight = m.head.weight;
  torch.tidy(() =>
    m
      .call(torch.ones([3, 4]))
      .sum()
      .backward(),
  );
  assert.equal(m.double(), m);
  assert.equal(m.head.weight, weight);
  assert.deepEqual(m.parameters(), params);
  assert.ok(params.every((p) => p.dtype === "float64" && p.requiresGrad && p.isLeaf));
  const bn = m.net.model.at(1) as BatchNorm1d;
  assert.equal(bn.runningMean!.dtype, "float64");
  assert.equal(bn.numBatchesTracked!.dtype, "int64", "integer buffers keep their dtype");
  torch.tidy(() => {
    assert.equal(weight.grad!.dtype, "float64");
    // training still works after the move
    m.zeroGrad();
    assert.equal(weight.grad, null);
    const y = m.call(torch.ones([3, 4], { dtype: "float64" }));
    y.sum().backward();
    assert.equal(weight.grad!.dtype, "float64");
    m.zeroGrad({ setToNone: false });
    assert.equal(weight.grad!.abs().sum().item(), 0);
  });
  m.to({ dtype: "float32", device: "cpu" });
  assert.equal(weight.dtype, "float32");
  assert.throws(() => m.to("int64"), /only accepts floating point dtypes/);
  m.dispose();
});

testOnDevice();
function testOnDevice(): void {
  const cuda = torch.cuda.isAvailable();
  test("to(cuda) moves parameters in place", cuda ? {} : { skip: "CUDA not available" }, () => {
    const m = new nn.Linear(3, 2);
    const w = m.weight;
    m.cuda();
    assert.equal(m.weight, w);
    assert.match(w.device, /^cuda/);
    torch.tidy(() => assert.match(m.call(torch.ones([1, 3], { device: "cuda" })).device, /^cuda/));
    m.cpu();
    assert.equal(w.device, "cpu");
    m.dispose();
  });
}

test("apply() visits children first; requiresGrad_ and dispose cover the tree", () => {
  const m = new Outer();
  const seen: string[] = [];
  m.apply((x) => seen.push(x.constructor.name));
  assert.deepEqual(seen, ["Linear", "BatchNorm1d", "ReLU", "Linear", "Sequential", "Net", "Linear", "Outer"]);
  m.requiresGrad_(false);
  assert.ok(m.parameters().every((p) => !p.requiresGrad));
  const live = torch.memoryStats().liveTensors;
  const owned = m.parameters().length + m.buffers().length;
  m.dispose();
  assert.equal(torch.memoryStats().liveTensors, live - owned);
  assert.ok(m.parameters().every((p) => p.isDisposed));
});

test("modules built inside tidy survive it (parameters and buffers belong to the module)", () => {
  const m = torch.tidy(() => new nn.BatchNorm2d(3));
  assert.ok(m.parameters().every((p) => !p.isDisposed));
  assert.ok(m.buffers().every((b) => !b.isDisposed));
  m.dispose();
});
