/**
 * Optimizer behaviour beyond the recorded fixtures: one native crossing per group per step, no leaked tensors,
 * lr changes through paramGroups, schedulers driving optimizers, zeroGrad, closures and param groups.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { native } from "../../../src/torch/native.js";
import {
  Adagrad,
  Adam,
  AdamW,
  OneCycleLR,
  OPTIMIZER_CLASSES,
  type Optimizer,
  RMSprop,
  SGD,
  StepLR,
} from "../../../src/torch/optim/index.js";
import { testOnDevices } from "../devices.js";
import { setGrads } from "./helpers.js";

function params(dtype: "float32" | "float64" = "float64", device = "cpu"): torch.Tensor[] {
  return [[4, 3], [3], [2, 2]].map((shape) =>
    torch.tidy(() => torch.ones(shape, { dtype }).to(device)).requiresGrad_(),
  );
}

/** Names of the native functions called while `fn` runs (every addon function is wrapped to count). */
function nativeCalls(fn: () => void): string[] {
  const addon = native() as unknown as Record<string, unknown>;
  const originals = Object.entries(addon).filter(([, v]) => typeof v === "function") as [string, Function][];
  const calls: string[] = [];
  for (const [name, f] of originals) {
    addon[name] = (...args: unknown[]) => {
      calls.push(name);
      return f.apply(addon, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, f] of originals) addon[name] = f;
  }
  return calls;
}

const ALL: Record<string, (p: torch.Tensor[]) => Optimizer> = {
  SGD: (p) => new SGD([{ params: p.slice(0, 2) }, { params: p.slice(2) }], { lr: 0.1, momentum: 0.9 }),
  Adam: (p) => new Adam([{ params: p.slice(0, 2) }, { params: p.slice(2) }], { amsgrad: true }),
  AdamW: (p) => new AdamW([{ params: p.slice(0, 2) }, { params: p.slice(2) }]),
  RMSprop: (p) =>
    new RMSprop([{ params: p.slice(0, 2) }, { params: p.slice(2) }], { centered: true, momentum: 0.1 }),
  Adagrad: (p) => new Adagrad([{ params: p.slice(0, 2) }, { params: p.slice(2) }]),
};

for (const [name, make] of Object.entries(ALL)) {
  test(`${name}: one native crossing per param group per step, first step included`, () => {
    const ps = params();
    const opt = make(ps);
    const op = `${name === "AdamW" ? "adam" : name.toLowerCase()}Step`;
    for (let step = 0; step < 3; step++) {
      setGrads(ps, step);
      assert.deepEqual(
        nativeCalls(() => opt.step()),
        [op, op],
        `step ${step}`,
      );
    }
    assert.deepEqual(
      nativeCalls(() => opt.zeroGrad()),
      ["zeroGrads", "zeroGrads"],
    );
    opt.dispose();
  });

  testOnDevices(`${name}: the live tensor count stays flat over 1,000 steps`, (device) => {
    const ps = params("float32", device);
    const opt = make(ps);
    setGrads(ps, 0);
    opt.step();
    const before = torch.memoryStats().liveTensors;
    for (let step = 1; step <= 1000; step++) {
      if (step % 100 === 0) setGrads(ps, step); // new gradients now and then; the rest reuse them
      opt.step();
      if (step % 250 === 0) opt.stateDict();
    }
    assert.equal(torch.memoryStats().liveTensors, before);
    opt.dispose();
    for (const p of ps) p.dispose();
  });
}

test("parameters without a gradient are skipped and get no state", () => {
  const ps = params();
  const opt = new Adam(ps, { lr: 0.1 });
  torch.tidy(() => {
    ps[0]!.grad = torch.ones([4, 3], { dtype: "float64" });
  });
  opt.step();
  assert.deepEqual([...opt.state.keys()], [ps[0]]);
  assert.deepEqual(ps[1]!.toArray(), [1, 1, 1], "no gradient: unchanged");
  assert.ok((ps[0]!.toArray() as number[][])[0]![0]! < 1);
  opt.dispose();
});

test("Adagrad creates its state at construction, as PyTorch does", () => {
  const ps = params("float32");
  const opt = new Adagrad(ps, { initial_accumulator_value: 0.5 });
  const sd = opt.stateDict();
  assert.deepEqual([...sd.state.keys()], [0, 1, 2]);
  assert.equal((sd.state.get(1)!.step as torch.Tensor).item(), 0);
  assert.deepEqual((sd.state.get(1)!.sum as torch.Tensor).toArray(), [0.5, 0.5, 0.5]);
  assert.equal((sd.state.get(1)!.sum as torch.Tensor).dtype, "float32");
  opt.dispose();
});

test("lr set through paramGroups takes effect at the next step", () => {
  const [p] = params();
  const opt = new SGD([p!], { lr: 0.1 });
  torch.tidy(() => {
    p!.grad = torch.ones([4, 3], { dtype: "float64" });
  });
  opt.step();
  opt.paramGroups[0]!.lr = 0.25;
  opt.step();
  assert.equal((p!.toArray() as number[][])[0]![0], 1 - 0.1 - 0.25);
  opt.paramGroups[0]!.momentum = 0.5; // momentum switched on later: the buffer starts then
  opt.step();
  assert.ok(opt.state.get(p!)!.momentum_buffer);
  opt.dispose();
});

test("StepLR drives SGD: each step moves the parameter by the scheduled lr", () => {
  const [p] = params();
  const opt = new SGD([p!], { lr: 0.1 });
  const scheduler = new StepLR(opt, { step_size: 2, gamma: 0.5 });
  torch.tidy(() => {
    p!.grad = torch.ones([4, 3], { dtype: "float64" });
  });
  let expected = 1;
  for (let step = 0; step < 7; step++) {
    const lr = 0.1 * 0.5 ** Math.floor(step / 2);
    assert.ok(Math.abs(opt.paramGroups[0]!.lr - lr) < 1e-15, `lr at step ${step}`);
    opt.step();
    scheduler.step();
    expected += -lr * 1;
    assert.ok(Math.abs((p!.toArray() as number[][])[0]![0]! - expected) < 1e-14, `param at step ${step}`);
  }
  assert.equal(opt.paramGroups[0]!.initial_lr, 0.1);
  opt.dispose();
});

test("OneCycleLR cycles Adam's betas[0] and the step reads the new value", () => {
  const ps = params();
  const opt = new Adam(ps, { lr: 0.01 });
  const scheduler = new OneCycleLR(opt, { max_lr: 0.1, total_steps: 10 });
  const beta1s: number[] = [];
  for (let step = 0; step < 5; step++) {
    setGrads(ps, step);
    opt.step();
    scheduler.step();
    beta1s.push(opt.paramGroups[0]!.betas[0]);
  }
  assert.ok(beta1s[0]! < 0.95 && beta1s[4]! < beta1s[0]!, `betas[0] cycles: ${beta1s}`);
  opt.dispose();
});

test("zeroGrad unsets gradients by default and zeroes them with setToNone: false", () => {
  const ps = params();
  const opt = new SGD(ps, { lr: 0.1 });
  setGrads(ps, 1);
  opt.zeroGrad({ setToNone: false });
  const g = ps[0]!.grad!;
  assert.deepEqual(g.toArray(), [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]);
  assert.equal(g.requiresGrad, false);
  g.dispose();
  opt.zeroGrad();
  assert.equal(ps[0]!.grad, null);
  assert.equal(ps[2]!.grad, null);
});

test("step(closure) runs the closure with grad enabled and returns its result", () => {
  const ps = params();
  const opt = new SGD(ps, { lr: 0.1 });
  const loss = torch.noGrad(() =>
    opt.step(() => {
      assert.equal(torch.isGradEnabled(), true);
      setGrads(ps, 1);
      return 42;
    }),
  );
  assert.equal(loss, 42);
  assert.ok((ps[0]!.toArray() as number[][])[0]![0] !== 1, "the closure's gradients were used");
});

test("options: PyTorch's defaults and names, group overrides, addParamGroup", () => {
  const ps = params();
  const opt = new AdamW([{ params: [ps[0]!], lr: 0.5 }, { params: [ps[1]!] }], { amsgrad: true });
  assert.deepEqual(opt.defaults, {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weight_decay: 1e-2,
    amsgrad: true,
    maximize: false,
    foreach: null,
    capturable: false,
    differentiable: false,
    fused: null,
    decoupled_weight_decay: true,
  });
  assert.equal(opt.paramGroups[0]!.lr, 0.5);
  assert.equal(opt.paramGroups[1]!.lr, 1e-3);
  assert.deepEqual(Object.keys(opt.paramGroups[0]!).slice(0, 2), ["params", "lr"]);
  opt.addParamGroup({ params: ps[2]!, weight_decay: 0, name: "head" });
  assert.deepEqual(opt.paramGroups[2]!.params, [ps[2]]);
  assert.equal(opt.paramGroups[2]!.weight_decay, 0);
  assert.equal(
    (opt.paramGroups[2] as unknown as Record<string, unknown>).name,
    "head",
    "extra keys are kept",
  );
  assert.throws(() => opt.addParamGroup({ params: [ps[0]!] }), /appear in more than one parameter group/);
  assert.deepEqual(Object.keys(OPTIMIZER_CLASSES), ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]);
  // Config float wrappers (anything whose valueOf() is a number) are read as numbers.
  const wrapped = new SGD(ps, { lr: { valueOf: () => 0.3 } as unknown as number });
  assert.equal(wrapped.paramGroups[0]!.lr, 0.3);
});

test("options: PyTorch's ValueError messages and unknown keys with the allowed list", () => {
  const ps = params();
  assert.throws(() => new SGD(ps, { lr: -1 }), /SGD: Invalid learning rate: -1$/);
  assert.throws(() => new SGD(ps, { momentum: -0.5 }), /Invalid momentum value: -0.5/);
  assert.throws(
    () => new SGD(ps, { nesterov: true }),
    /Nesterov momentum requires a momentum and zero dampening/,
  );
  assert.throws(() => new Adam(ps, { betas: [1, 0.9] }), /Invalid beta parameter at index 0: 1/);
  assert.throws(() => new Adam(ps, { betas: [0.9, -0.1] }), /Invalid beta parameter at index 1: -0.1/);
  assert.throws(() => new Adam(ps, { eps: -1 }), /Invalid epsilon value: -1/);
  assert.throws(() => new AdamW(ps, { weight_decay: -1 }), /AdamW: Invalid weight_decay value: -1/);
  assert.throws(() => new RMSprop(ps, { alpha: -1 }), /Invalid alpha value: -1/);
  assert.throws(() => new Adagrad(ps, { lr_decay: -1 }), /Invalid lr_decay value: -1/);
  assert.throws(
    () => new Adagrad(ps, { initial_accumulator_value: -1 }),
    /Invalid initial_accumulator_value value: -1/,
  );
  assert.throws(
    () => new Adam(ps, { weightDecay: 0.1 } as never),
    /Adam got unexpected option 'weightDecay' \(did you mean 'weight_decay'\?\)\. Allowed options: lr, betas, eps, weight_decay, amsgrad, maximize, foreach, capturable, differentiable, fused, decoupled_weight_decay$/,
  );
  assert.throws(
    () => new AdamW(ps, { decoupled_weight_decay: false } as never),
    /AdamW got unexpected option/,
  );
  assert.throws(() => new SGD(ps, { lr: "0.1" as never }), /SGD: option 'lr' must be a number/);
  assert.throws(() => new Adam(ps, { betas: [0.9] as never }), /option 'betas' must be a pair of numbers/);
  assert.throws(() => new Adam(ps, { differentiable: true }), /differentiable=True is not supported/);
  assert.throws(() => new SGD(ps, { fused: true }), /fused=True/);
  assert.throws(() => new SGD([{ params: ps, lr: -2 }]), /SGD param_groups\[0\]: Invalid learning rate: -2/);
  assert.throws(() => new SGD([]), /optimizer got an empty parameter list/);
  assert.throws(() => new SGD(ps[0]! as never), /wrap it in an array/);
  assert.throws(() => new SGD([ps[0]!, ps[0]!]), /same parameter more than once/);
  const nonLeaf = torch.tidy(() => torch.keep(ps[0]!.mul(2)));
  assert.throws(() => new SGD([nonLeaf]), /can't optimize a non-leaf Tensor/);
  nonLeaf.dispose();
  const opt = new SGD(ps, { lr: 0.1 });
  (opt.paramGroups[0] as unknown as Record<string, unknown>).lr = "fast";
  setGrads(ps, 0);
  assert.throws(() => opt.step(), /SGD param_groups\[0\]: 'lr' must be a number, got string/);
});
