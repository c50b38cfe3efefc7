// Runs the cases of tests/fixtures/torch/shape_math_ops.json (made by scripts/fixtures/shape_math_ops.py): values,
// dtypes and gradients against Python torch, and a float64 finite-difference gradcheck, on every device.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { DType, NestedArray, Tensor } from "../../../src/torch/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { gradcheck } from "../gradcheck.js";

export interface FixtureCase {
  family: "math" | "shape" | "promotion";
  name: string;
  inputs: NestedArray[];
  inputDtypes: DType[];
  output: NestedArray;
  outputShape: number[];
  outputDtype: DType;
  weights?: NestedArray;
  grads?: NestedArray[];
}

/** The JS side of one Python case: takes the inputs (on the test's device), returns the output. */
export type FixtureOp = (...xs: Tensor[]) => Tensor;

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/torch/shape_math_ops.json", import.meta.url), "utf8"),
) as { cases: FixtureCase[] };

/** The fixture's cases of some families. */
export function fixtureCases(...families: FixtureCase["family"][]): FixtureCase[] {
  return fixture.cases.filter((c) => families.includes(c.family));
}

function flat(v: NestedArray): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [Number(v)];
}

/** Asserts elementwise closeness (relative to 1 + |expected|); booleans compare as 0/1. */
export function assertClose(actual: NestedArray, expected: NestedArray, what: string, tol = 1e-10): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  for (let k = 0; k < a.length; k++) {
    assert.ok(Math.abs(a[k]! - e[k]!) <= tol * (1 + Math.abs(e[k]!)), `${what}[${k}]: ${a[k]} != ${e[k]}`);
  }
}

/** An int64 index tensor on the device of `like`. */
export function indices(values: NestedArray, like: Tensor): Tensor {
  return torch.tensor(values, { dtype: "int64", device: like.device });
}

/**
 * Declares, for each case, a value test (output, shape, dtype and gradients against Python) and, for
 * differentiable cases, a finite-difference gradcheck; every case needs an op in `ops`.
 */
export function declareFixtureTests(cases: FixtureCase[], ops: Record<string, FixtureOp>): void {
  for (const c of cases) {
    const op = ops[c.name];
    testOnDevices(`${c.family} ${c.name} matches Python torch`, (device) => {
      assert.ok(op, `no JS op for fixture case ${c.name}`);
      torch.tidy(() => {
        const inputs = c.inputs.map((v, i) =>
          torch.tensor(v, { dtype: c.inputDtypes[i], device, requiresGrad: c.grads !== undefined }),
        );
        const out = op(...inputs);
        assert.deepEqual(out.shape, c.outputShape, `${c.name} shape`);
        assert.equal(out.dtype, c.outputDtype, `${c.name} dtype`);
        const tol = c.outputDtype === "float32" ? 1e-6 : 1e-10;
        assertClose(out.toArray(), c.output, `${c.name} output`, tol);
        if (c.weights && c.grads) {
          out
            .mul(torch.tensor(c.weights, { dtype: "float64", device }))
            .sum()
            .backward();
          c.grads.forEach((g, i) => {
            const grad = inputs[i]!.grad;
            const actual = grad === null ? flat(g).map(() => 0) : grad.toArray();
            assertClose(actual, g, `${c.name} grad of input ${i}`);
          });
        }
      });
    });
    if (!c.grads) continue;
    testOnDevices(`${c.family} ${c.name} passes a float64 gradcheck`, (device) => {
      torch.tidy(() => {
        gradcheck(
          op!,
          c.inputs.map((v) => torch.tensor(v, { dtype: "float64", device })),
        );
      });
    });
  }
}
