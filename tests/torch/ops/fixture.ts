// Runs op cases recorded from Python torch against the JS ops: values, dtypes and gradients, and a float64
// finite-difference gradcheck, on every device. Two fixture files feed it: shape_math_ops.json (made by
// scripts/fixtures/shape_math_ops.py, one output per case) and reduce_nn_ops.json (made by
// scripts/fixtures/reduce_nn_ops.py, any number of outputs per case); both run through one runner.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { DType, NestedArray, Tensor } from "../../../src/torch/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { gradcheck } from "../gradcheck.js";

/** A case of shape_math_ops.json: one output, and every input differentiable when `grads` is set. */
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

/** One tensor of a multi-output case; `grad` marks the inputs that require a gradient. */
export interface EncodedTensor {
  data: NestedArray;
  dtype: DType;
  shape: number[];
  grad?: boolean;
}

/**
 * A case with any number of outputs (the form of reduce_nn_ops.json). `weights[k]` weighs output k in the
 * scalar that is back-propagated (null: output k is left out); `grads[i]` is input i's gradient (null: none).
 */
export interface MultiOutputCase {
  /** Put before the name in the test titles. */
  family?: string;
  name: string;
  inputs: EncodedTensor[];
  outputs: EncodedTensor[];
  weights?: (NestedArray | null)[];
  grads?: (NestedArray | null)[];
}

/** The JS side of one single-output Python case: takes the inputs (on the test's device), returns the output. */
export type FixtureOp = (...xs: Tensor[]) => Tensor;

/** The JS side of one multi-output Python case; a `{values, indices}` result is outputs [values, indices]. */
export type MultiOutputOp = (...xs: Tensor[]) => Tensor | Tensor[] | { values: Tensor; indices: Tensor };

function readFixture<T>(file: string): { cases: T[] } {
  return JSON.parse(readFileSync(new URL(`../../fixtures/torch/${file}`, import.meta.url), "utf8")) as {
    cases: T[];
  };
}

const shapeMathFixture = readFixture<FixtureCase>("shape_math_ops.json");
const reduceNnFixture = readFixture<MultiOutputCase>("reduce_nn_ops.json");

/** The shape_math_ops.json cases of some families. */
export function fixtureCases(...families: FixtureCase["family"][]): FixtureCase[] {
  return shapeMathFixture.cases.filter((c) => families.includes(c.family));
}

/** The reduce_nn_ops.json cases that have an op in `ops`. */
export function reduceNnCases(ops: Record<string, unknown>): MultiOutputCase[] {
  return reduceNnFixture.cases.filter((c) => c.name in ops);
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

/** How the runner treats a group of cases. */
export interface RunnerOptions {
  /** A differentiable input whose gradient stays unset compares as zeros (else the test fails). */
  unsetGradIsZero?: boolean;
  /** Cases whose gradients are checked against the fixture only, not by finite differences. */
  noGradcheck?: ReadonlySet<string>;
}

function outputsOf(o: ReturnType<MultiOutputOp>): Tensor[] {
  if (Array.isArray(o)) return o;
  return "values" in o ? [o.values, o.indices] : [o];
}

// float32 results of ops that accumulate differently from Python's kernels agree to float32 precision only.
function outputTolerance(dtype: DType): number {
  return dtype === "float32" ? 1e-6 : 1e-10;
}

/**
 * Declares, for each case, a value test (outputs, shapes, dtypes and gradients against Python) and, for
 * differentiable cases, a float64 finite-difference gradcheck of the first output; every case needs an op in `ops`.
 */
export function declareMultiOutputTests(
  cases: MultiOutputCase[],
  ops: Record<string, MultiOutputOp>,
  options: RunnerOptions = {},
): void {
  for (const c of cases) {
    const op = ops[c.name];
    const title = c.family === undefined ? c.name : `${c.family} ${c.name}`;
    const make = (device: string) =>
      c.inputs.map((i) => torch.tensor(i.data, { dtype: i.dtype, device, requiresGrad: i.grad === true }));

    testOnDevices(`${title} matches Python torch`, (device) => {
      assert.ok(op, `no JS op for fixture case ${c.name}`);
      torch.tidy(() => {
        const inputs = make(device);
        const outs = outputsOf(op(...inputs));
        assert.equal(outs.length, c.outputs.length);
        outs.forEach((o, k) => {
          const want = c.outputs[k]!;
          assert.deepEqual([o.dtype, o.shape], [want.dtype, want.shape], `${c.name} output ${k} dtype/shape`);
          assertClose(o.toArray(), want.data, `${c.name} output ${k}`, outputTolerance(want.dtype));
        });
        if (!c.weights || !c.grads) return;
        let total: Tensor | null = null;
        c.weights.forEach((w, k) => {
          if (w === null) return;
          const o = outs[k]!;
          const term = o.mul(torch.tensor(w, { dtype: "float64", device }).reshape(o.shape)).sum();
          total = total === null ? term : total.add(term);
        });
        (total as Tensor | null)?.backward();
        c.grads.forEach((g, i) => {
          if (g === null) return;
          const grad = inputs[i]!.grad;
          const actual = grad === null && options.unsetGradIsZero ? flat(g).map(() => 0) : grad!.toArray();
          assertClose(actual, g, `${c.name} grad of input ${i}`);
        });
      });
    });

    if (!c.grads || options.noGradcheck?.has(c.name)) continue;
    testOnDevices(`${title} passes a float64 gradcheck`, (device) => {
      torch.tidy(() => {
        const inputs = make(device).map((t) => t.detach());
        const which = c.inputs.flatMap((i, k) => (i.grad ? [k] : []));
        const fn = (...diff: Tensor[]) => {
          const args = inputs.map((t, k) => (which.includes(k) ? diff[which.indexOf(k)]! : t));
          return outputsOf(op!(...args))[0]!;
        };
        gradcheck(
          fn,
          which.map((k) => inputs[k]!),
        );
      });
    });
  }
}

function shapeOf(v: NestedArray): number[] {
  if (!Array.isArray(v)) return [];
  return v.length === 0 ? [0] : [v.length, ...shapeOf(v[0]!)];
}

// A single-output case in the multi-output form: every input is differentiable when the case has gradients.
function asMultiOutput(c: FixtureCase): MultiOutputCase {
  const differentiable = c.grads !== undefined;
  return {
    family: c.family,
    name: c.name,
    inputs: c.inputs.map((data, i) => ({
      data,
      dtype: c.inputDtypes[i]!,
      shape: shapeOf(data),
      grad: differentiable,
    })),
    outputs: [{ data: c.output, dtype: c.outputDtype, shape: c.outputShape }],
    weights: c.weights === undefined ? undefined : [c.weights],
    grads: c.grads,
  };
}

/** Declares the value tests and gradchecks of shape_math_ops.json cases, titled "<family> <name> ...". */
export function declareFixtureTests(cases: FixtureCase[], ops: Record<string, FixtureOp>): void {
  declareMultiOutputTests(cases.map(asMultiOutput), ops, { unsetGradIsZero: true });
}
