/**
 * State dicts: a run saved after 5 steps and resumed in fresh objects (optimizer, parameters, scheduler) is
 * bitwise equal over the next 10 steps to an uninterrupted run; loading copies and casts like PyTorch; the
 * format (int keys, index lists, every state tensor) is PyTorch's; bad state dicts fail clearly.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import {
  Adagrad,
  Adam,
  AdamW,
  type Optimizer,
  RMSprop,
  SGD,
  StepLR,
} from "../../../src/torch/optim/index.js";
import { getTensorAdapter, loadFromBuffer, saveToBuffer } from "../../../src/torch/serialization/index.js";
import { bitwiseEqual, setGrads } from "./helpers.js";

type Factory = (params: torch.Tensor[]) => Optimizer;

const FACTORIES: Record<string, Factory> = {
  "SGD nesterov + weight decay": (p) =>
    new SGD([{ params: p.slice(0, 2) }, { params: p.slice(2), lr: 0.02 }], {
      lr: 0.05,
      momentum: 0.9,
      nesterov: true,
      weight_decay: 1e-3,
    }),
  "Adam amsgrad": (p) =>
    new Adam([{ params: p.slice(0, 1) }, { params: p.slice(1), lr: 0.003 }], { lr: 0.01, amsgrad: true }),
  AdamW: (p) => new AdamW(p, { lr: 0.01, weight_decay: 0.1 }),
  "RMSprop centered momentum": (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 }),
  "Adagrad lr_decay": (p) => new Adagrad(p, { lr: 0.1, lr_decay: 0.01, initial_accumulator_value: 0.1 }),
};

function freshParams(dtype: "float32" | "float64"): torch.Tensor[] {
  return [[3, 4], [4], [2, 3]].map((shape, k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float64Array.from({ length: n }, (_, i) => Math.cos(0.9 * i + k));
    return torch.fromTypedArray(data, shape, { dtype }).requiresGrad_();
  });
}

function copyParams(params: torch.Tensor[]): torch.Tensor[] {
  return params.map((p) => torch.tidy(() => p.detach().to({ copy: true })).requiresGrad_());
}

/** Steps `from..to-1` with synthetic gradients, stepping the scheduler after each optimizer step. */
function train(
  params: torch.Tensor[],
  optimizer: Optimizer,
  scheduler: StepLR,
  from: number,
  to: number,
): void {
  for (let step = from; step < to; step++) {
    setGrads(params, step);
    optimizer.step();
    scheduler.step();
  }
}

/** Through torch.save's format when the tensor adapter is installed, else the objects themselves. */
function roundTrip(value: unknown): unknown {
  return getTensorAdapter() === undefined ? value : loadFromBuffer(saveToBuffer(value));
}

describe("stateDict round trip: resumed runs are bitwise equal to uninterrupted ones", () => {
  for (const [name, make] of Object.entries(FACTORIES)) {
    for (const dtype of ["float32", "float64"] as const) {
      test(`${name} (${dtype})`, (t) => {
        if (getTensorAdapter() === undefined)
          t.diagnostic("no tensor adapter installed: state dict kept in memory");
        const straightParams = freshParams(dtype);
        const straight = make(straightParams);
        const straightScheduler = new StepLR(straight, { step_size: 3, gamma: 0.5 });
        train(straightParams, straight, straightScheduler, 0, 15);

        const firstParams = freshParams(dtype);
        const first = make(firstParams);
        const firstScheduler = new StepLR(first, { step_size: 3, gamma: 0.5 });
        train(firstParams, first, firstScheduler, 0, 5);
        const saved = roundTrip({
          optimizer: first.stateDict(),
          scheduler: firstScheduler.stateDict(),
          params: firstParams.map((p) => p.detach()),
        }) as {
          optimizer: Record<string, unknown>;
          scheduler: Record<string, unknown>;
          params: torch.Tensor[];
        };

        if (getTensorAdapter() !== undefined) {
          assert.ok(saved.optimizer.state instanceof Map, "int keys survive torch.save's format");
        }
        const resumedParams = copyParams(saved.params);
        const resumed = make(resumedParams);
        const resumedScheduler = new StepLR(resumed, { step_size: 3, gamma: 0.5 });
        resumed.loadStateDict(saved.optimizer);
        resumedScheduler.loadStateDict(saved.scheduler);
        first.dispose(); // the resumed optimizer owns copies: freeing the original changes nothing
        train(resumedParams, resumed, resumedScheduler, 5, 15);

        straightParams.forEach((p, i) => {
          assert.ok(bitwiseEqual(resumedParams[i]!, p), `param ${i} differs after resuming`);
        });
        const a = straight.stateDict();
        const b = resumed.stateDict();
        assert.deepEqual(b.param_groups, a.param_groups);
        assert.deepEqual([...b.state.keys()], [...a.state.keys()]);
        for (const [index, state] of a.state) {
          const other = b.state.get(index)!;
          assert.deepEqual(Object.keys(other), Object.keys(state));
          for (const key of Object.keys(state)) {
            assert.ok(
              bitwiseEqual(other[key] as torch.Tensor, state[key] as torch.Tensor),
              `state[${index}].${key}`,
            );
          }
        }
      });
    }
  }
});

test("stateDict has PyTorch's layout: Map with int keys, params as index lists, live tensors", () => {
  const params = freshParams("float32");
  const opt = new Adam([{ params: [params[0]!] }, { params: params.slice(1), lr: 0.1 }]);
  const empty = opt.stateDict();
  assert.equal(empty.state.size, 0, "no state before the first step (lazy)");
  setGrads(params, 0);
  opt.step();
  const sd = opt.stateDict();
  assert.ok(sd.state instanceof Map);
  assert.deepEqual([...sd.state.keys()], [0, 1, 2]);
  assert.deepEqual(
    sd.param_groups.map((g) => g.params),
    [[0], [1, 2]],
  );
  assert.equal(sd.param_groups[1]!.lr, 0.1);
  assert.deepEqual(Object.keys(sd.state.get(1)!), ["step", "exp_avg", "exp_avg_sq"]);
  const step = sd.state.get(1)!.step as torch.Tensor;
  assert.equal(step.dtype, "float32");
  assert.deepEqual(step.shape, []);
  assert.equal(step.item(), 1);
  assert.equal(sd.state.get(0)!.exp_avg, opt.state.get(params[0]!)!.exp_avg, "live state, as in PyTorch");
  sd.param_groups[0]!.lr = 99;
  (sd.param_groups[0]!.betas as number[])[0] = 0;
  assert.equal(opt.paramGroups[0]!.lr, 0.001, "packed groups are copies");
  assert.deepEqual(opt.paramGroups[0]!.betas, [0.9, 0.999]);
  opt.dispose();
});

test("loadStateDict copies, casts floating state to the param dtype, keeps step, restores extra group keys", () => {
  const src = freshParams("float32");
  const opt = new SGD(src, { lr: 0.1, momentum: 0.9 });
  setGrads(src, 0);
  opt.step();
  opt.paramGroups[0]!.initial_lr = 0.1;
  const sd = opt.stateDict();

  const dst = freshParams("float64");
  const loaded = new SGD(dst, { lr: 0.5 });
  loaded.loadStateDict(sd);
  assert.equal(loaded.paramGroups[0]!.lr, 0.1);
  assert.equal(loaded.paramGroups[0]!.momentum, 0.9);
  assert.equal(loaded.paramGroups[0]!.initial_lr, 0.1, "scheduler keys survive");
  assert.equal(loaded.paramGroups[0]!.params[1], dst[1], "groups keep this optimizer's params");
  const buf = loaded.state.get(dst[0]!)!.momentum_buffer!;
  assert.equal(buf.dtype, "float64", "cast to the parameter's dtype");
  const original = opt.state.get(src[0]!)!.momentum_buffer!;
  assert.notEqual(buf, original);
  opt.dispose();
  assert.equal(buf.isDisposed, false, "the loaded state is a copy");

  // Loading from plain objects (e.g. JSON-shaped) with numeric string keys works too.
  const adam = new Adam(dst);
  setGrads(dst, 1);
  adam.step();
  const packed = adam.stateDict();
  const again = new Adam(freshParams("float64"));
  again.loadStateDict({ state: Object.fromEntries(packed.state), param_groups: packed.param_groups });
  const step = [...again.state.values()][0]!.step!;
  assert.equal(step.dtype, "float32", "step is not cast");
  assert.equal(step.item(), 1);
  adam.dispose();
  again.dispose();
  loaded.dispose();
});

test("loadStateDict rejects state dicts that do not fit, with PyTorch's messages", () => {
  const params = freshParams("float32");
  const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
  const two = new SGD([{ params: [params[0]!] }, { params: [params[1]!] }], { lr: 0.1 });
  assert.throws(
    () => opt.loadStateDict(two.stateDict()),
    /different number of parameter groups \(2 saved, 1/,
  );
  const small = new SGD([params[0]!], { lr: 0.1 });
  assert.throws(() => opt.loadStateDict(small.stateDict()), /doesn't match the size of optimizer's group/);
  assert.throws(() => opt.loadStateDict({ param_groups: [] }), /expects an object from stateDict\(\)/);
  const sd = opt.stateDict();
  sd.state.set(7, {});
  assert.throws(() => opt.loadStateDict(sd), /state key 7 names no parameter/);
});
