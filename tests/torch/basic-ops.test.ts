// The foundation ops against values computed by Python torch (scripts/fixtures/basic_ops.py), with gradients.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { NestedArray, Tensor } from "../../src/torch/index.js";
import * as torch from "../../src/torch/index.js";
import { testOnDevices } from "./devices.js";
import { gradcheck } from "./gradcheck.js";

interface FixtureCase {
  name: string;
  inputs: NestedArray[];
  output: NestedArray;
  outputShape: number[];
  weights?: NestedArray;
  grads?: NestedArray[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/torch/basic_ops.json", import.meta.url), "utf8"),
) as { cases: FixtureCase[] };

// The JS side of each Python case in the fixture script.
const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  add_broadcast: (x, y) => torch.add(x!, y!),
  add_alpha: (x, y) => x!.add(y!, 2.5),
  mul_broadcast: (x, y) => x!.mul(y!),
  mul_scalar: (x) => torch.mul(x!, 3),
  matmul: (x, y) => x!.matmul(y!),
  sum_all: (x) => x!.sum(),
  sum_dim1_keepdim: (x) => torch.sum(x!, 1, { keepdim: true }),
  relu: (x) => x!.relu(),
};

function flatten(v: NestedArray): number[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [Number(v)];
}

function assertClose(actual: NestedArray, expected: NestedArray, what: string, tol = 1e-12): void {
  const a = flatten(actual);
  const e = flatten(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  for (let k = 0; k < a.length; k++) {
    assert.ok(Math.abs(a[k]! - e[k]!) <= tol * (1 + Math.abs(e[k]!)), `${what}[${k}]: ${a[k]} != ${e[k]}`);
  }
}

for (const c of fixture.cases) {
  testOnDevices(`${c.name} matches Python torch`, (device) => {
    const op = ops[c.name];
    assert.ok(op, `no JS op for fixture case ${c.name}`);
    torch.tidy(() => {
      const inputs = c.inputs.map((v) => torch.tensor(v, { dtype: "float64", device, requiresGrad: true }));
      const out = op(...inputs);
      assert.deepEqual(out.shape, c.outputShape);
      assert.equal(out.device, device === "cuda" ? "cuda:0" : "cpu");
      assertClose(out.toArray(), c.output, `${c.name} output`);
      if (c.weights && c.grads) {
        const w = torch.tensor(c.weights, { dtype: "float64", device });
        out.mul(w).sum().backward();
        c.grads.forEach((g, i) => {
          assertClose(inputs[i]!.grad!.toArray(), g, `${c.name} grad of input ${i}`);
        });
      }
    });
  });

  testOnDevices(`${c.name} passes a float64 gradcheck`, (device) => {
    torch.tidy(() => {
      const inputs = c.inputs.map((v) => torch.tensor(v, { dtype: "float64", device }));
      gradcheck(ops[c.name]!, inputs);
    });
  });
}

testOnDevices("gradcheck catches a wrong gradient", (device) => {
  torch.tidy(() => {
    const x = torch.tensor([0.5, -1.5, 2], { dtype: "float64", device });
    // detach() hides the x*x dependency from autograd: the analytic gradient is wrong on purpose.
    const wrong = (t: Tensor) => t.mul(t.detach());
    assert.throws(() => gradcheck(wrong, [x]), /gradcheck: input 0 element 0/);
  });
});
