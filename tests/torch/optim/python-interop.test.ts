/**
 * Optimizer checkpoints cross to Python and back: a Kiln state dict saved with torch.save's format is loaded by
 * Python's `optimizer.load_state_dict(torch.load(f, weights_only=True))`, Python continues training, and its
 * parameters and state equal (bitwise) Kiln's own continuation; Python's state dict then loads into Kiln.
 * Runs where a Python with torch is found (KILN_PYTHON, <repo>/.venv/bin/python, python3); skips otherwise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD } from "../../../src/torch/optim/index.js";
import { findTorchPython } from "../serialization/describe_value.js";
import { bitwiseEqual, setGrads, syntheticGrad } from "./helpers.js";

const { python, reason } = findTorchPython();
const dir = mkdtempSync(join(tmpdir(), "kiln-optim-py-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Python side: for each (input, output, class) triple, rebuild the groups from the saved param_groups, load the
// state dict and take the saved steps.
const PYTHON_CONTINUE = `
import sys, torch
for source, target, name in zip(*[iter(sys.argv[1:])] * 3):
    ckpt = torch.load(source, weights_only=True)
    params = [p.clone().requires_grad_() for p in ckpt["params"]]
    groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [params[i] for i in g["params"]]}
              for g in ckpt["optimizer"]["param_groups"]]
    opt = getattr(torch.optim, name)(groups)
    opt.load_state_dict(ckpt["optimizer"])
    for step_grads in ckpt["grads"]:
        for p, g in zip(params, step_grads):
            p.grad = g.clone()
        opt.step()
    torch.save({"params": [p.detach() for p in params], "optimizer": opt.state_dict()}, target)
`;

const CASES: Record<string, (p: torch.Tensor[]) => Optimizer> = {
  SGD: (p) =>
    new SGD([{ params: p.slice(0, 2) }, { params: p.slice(2), lr: 0.01 }], { lr: 0.1, momentum: 0.9 }),
  Adam: (p) => new Adam([{ params: p.slice(0, 1) }, { params: p.slice(1), amsgrad: true }], { lr: 0.01 }),
  AdamW: (p) => new AdamW(p, { lr: 0.01, betas: [0.8, 0.99] }),
  RMSprop: (p) => new RMSprop(p, { centered: true, momentum: 0.3, weight_decay: 0.01 }),
  Adagrad: (p) => new Adagrad(p, { lr_decay: 0.05 }),
};

function params(): torch.Tensor[] {
  return [[2, 3], [5], [3, 1]].map((shape, k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float64Array.from({ length: n }, (_, i) => Math.sin(2.1 * i + k));
    return torch.fromTypedArray(data, shape).requiresGrad_();
  });
}

interface Run {
  name: string;
  params: torch.Tensor[];
  optimizer: Optimizer;
  output: string;
}

/** Kiln's side: 3 steps, a checkpoint with the next 3 steps' gradients, then those steps in Kiln. */
function kilnRun(name: string, make: (p: torch.Tensor[]) => Optimizer, args: string[]): Run {
  const ps = params();
  const optimizer = make(ps);
  for (let step = 0; step < 3; step++) {
    setGrads(ps, step);
    optimizer.step();
  }
  const grads = [3, 4, 5].map((step) => ps.map((p, i) => syntheticGrad(p, i, step)));
  const input = join(dir, `${name}-kiln.pt`);
  const output = join(dir, `${name}-python.pt`);
  torch.save({ params: ps.map((p) => p.detach()), optimizer: optimizer.stateDict(), grads }, input);
  args.push(input, output, name);
  for (let step = 3; step < 6; step++) {
    setGrads(ps, step);
    optimizer.step();
  }
  return { name, params: ps, optimizer, output };
}

function compare(run: Run): void {
  const fromPython = torch.load(run.output) as {
    params: torch.Tensor[];
    optimizer: { state: Map<number, Record<string, torch.Tensor>>; param_groups: Record<string, unknown>[] };
  };
  run.params.forEach((p, i) => {
    assert.ok(bitwiseEqual(fromPython.params[i]!, p), `param ${i} differs from Python's continuation`);
  });
  const mine = run.optimizer.stateDict();
  assert.ok(fromPython.optimizer.state instanceof Map, "Python's int keys load as a Map");
  assert.deepEqual([...fromPython.optimizer.state.keys()], [...mine.state.keys()]);
  for (const [index, state] of mine.state) {
    const theirs = fromPython.optimizer.state.get(index)!;
    assert.deepEqual(Object.keys(theirs), Object.keys(state));
    for (const [key, t] of Object.entries(state)) {
      assert.ok(bitwiseEqual(theirs[key]!, t as torch.Tensor), `state[${index}].${key}`);
    }
  }
  const fresh = CASES[run.name]!(params());
  fresh.loadStateDict(fromPython.optimizer);
  assert.deepEqual(fresh.stateDict().param_groups, mine.param_groups);
  fresh.dispose();
  run.optimizer.dispose();
}

test("Python continues Kiln checkpoints exactly, and Kiln loads Python's state dicts", {
  skip: python ? false : reason,
}, async (t) => {
  const args: string[] = [];
  const runs = Object.entries(CASES).map(([name, make]) => kilnRun(name, make, args));
  const r = spawnSync(python!, ["-c", PYTHON_CONTINUE, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `Python failed:\n${r.stderr}`);
  for (const run of runs) await t.test(run.name, () => compare(run));
});
