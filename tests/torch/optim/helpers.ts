/** Shared pieces of the optimizer tests: fixture loading, tensors from JSON, comparisons, deterministic runs. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as torch from "../../../src/torch/index.js";
import { OPTIMIZER_CLASSES, type Optimizer } from "../../../src/torch/optim/index.js";

export const FIXTURES = resolve(import.meta.dirname, "../../fixtures/optim");

/** A tensor as the fixture script writes it. */
export interface TensorJson {
  dtype: "float32" | "float64";
  shape: number[];
  data: number[];
}

/** One fixture written by scripts/fixtures/make_optimizer_fixtures.py. */
export interface OptimizerFixture {
  name: string;
  optimizer: keyof typeof OPTIMIZER_CLASSES;
  dtype: "float32" | "float64";
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[];
  lr_changes: Record<string, number[]>;
  initial_params: TensorJson[];
  grads: (TensorJson | null)[][];
  steps: {
    params: TensorJson[];
    state_dict: {
      state: Record<string, Record<string, TensorJson>>;
      param_groups: Record<string, unknown>[];
    };
  }[];
}

/** Every optimizer fixture, sorted by file name. */
export function loadFixtures(): OptimizerFixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) }));
}

/** A tensor holding a fixture's values (exact: float32 values are float32-representable). */
export function fromJson(t: TensorJson, device = "cpu"): torch.Tensor {
  const data = t.dtype === "float64" ? Float64Array.from(t.data) : Float32Array.from(t.data);
  const cpu = torch.fromTypedArray(data, t.shape);
  if (device === "cpu") return cpu;
  const moved = cpu.to(device);
  cpu.dispose();
  return moved;
}

/** Fresh leaf parameters from a fixture's initial values. */
export function makeParams(fx: OptimizerFixture, device = "cpu"): torch.Tensor[] {
  return fx.initial_params.map((t) => fromJson(t, device).requiresGrad_());
}

/** Builds the fixture's optimizer over `params`, with its group layout and constructor options. */
export function makeOptimizer(fx: OptimizerFixture, params: torch.Tensor[]): Optimizer {
  const groups = fx.groups.map(({ params: indices, ...options }) => ({
    params: indices.map((i) => params[i]!),
    ...options,
  }));
  const Cls = OPTIMIZER_CLASSES[fx.optimizer] as unknown as new (
    params: unknown,
    options: Record<string, unknown>,
  ) => Optimizer;
  return new Cls(groups, fx.options);
}

/** Tolerance the issue sets for each dtype (relative). */
export function toleranceFor(dtype: string): number {
  return dtype === "float64" ? 1e-12 : 1e-5;
}

/** Asserts every element of `actual` is within `rtol` (relative, with a tiny floor) of the fixture values. */
export function assertTensorClose(
  actual: torch.Tensor,
  expected: TensorJson,
  rtol: number,
  what: string,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const values = actual.toTypedArray() as Float32Array | Float64Array;
  expected.data.forEach((want, i) => {
    const got = values[i]!;
    const diff = Math.abs(got - want);
    assert.ok(
      diff <= rtol * Math.max(Math.abs(want), 1e-6),
      `${what}[${i}]: got ${got}, PyTorch ${want} (|diff| ${diff}, rtol ${rtol})`,
    );
  });
}

/** True when two tensors hold the same bits (same dtype, shape and values). */
export function bitwiseEqual(a: torch.Tensor, b: torch.Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
    Buffer.from(y.buffer, y.byteOffset, y.byteLength),
  );
}

/** A deterministic gradient for parameter `index` at step `step` (no RNG, so runs can be repeated). */
export function syntheticGrad(param: torch.Tensor, index: number, step: number): torch.Tensor {
  const n = param.numel();
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(1.7 * step + 0.37 * i + index) * (1 + 0.1 * step);
  return torch.fromTypedArray(data, param.shape, { dtype: param.dtype });
}

/** Sets synthetic gradients on every parameter (inside a tidy scope: the JS handles are freed, grads stay). */
export function setGrads(params: torch.Tensor[], step: number): void {
  torch.tidy(() => {
    params.forEach((p, i) => {
      p.grad = syntheticGrad(p, i, step);
    });
  });
}
