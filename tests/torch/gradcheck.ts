// Finite-difference gradient check in float64, reusable by every op family's tests.
import assert from "node:assert/strict";
import type { Tensor } from "../../src/torch/index.js";
import * as torch from "../../src/torch/index.js";

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

// Fixed pseudo-random weights so that every output element contributes differently to the checked scalar.
function weights(n: number): Float64Array {
  const out = new Float64Array(n);
  let s = 12345;
  for (let k = 0; k < n; k++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[k] = 0.5 + s / 2147483648;
  }
  return out;
}

function weightedSum(out: Tensor): Tensor {
  const w = torch.fromTypedArray(weights(out.numel()), out.shape, { dtype: out.dtype, device: out.device });
  return torch.sum(torch.mul(out, w));
}

/**
 * Checks the gradients of `fn` w.r.t. each of `inputs` (float64 tensors, any device) against central finite
 * differences of sum(fn(...) * w) for fixed weights w. Inputs are not modified; throws an AssertionError naming
 * the input and element that differ.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): void {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = opts;
  for (const x of inputs) assert.equal(x.dtype, "float64", "gradcheck needs float64 inputs");
  torch.tidy(() => {
    const leaves = inputs.map((x) => x.detach().requiresGrad_(true));
    weightedSum(fn(...leaves)).backward();
    const analytic = leaves.map((l) => {
      const g = l.grad;
      return g === null ? new Float64Array(l.numel()) : (g.toTypedArray() as Float64Array);
    });
    torch.noGrad(() => {
      for (let i = 0; i < inputs.length; i++) {
        const base = inputs[i]!.toTypedArray() as Float64Array;
        const { shape, device } = inputs[i]!;
        for (let k = 0; k < base.length; k++) {
          const at = (delta: number): number =>
            torch.tidy(() => {
              const moved = base.slice();
              moved[k]! += delta;
              const args = leaves.map((l, j) =>
                j === i ? torch.fromTypedArray(moved, shape, { device }) : l.detach(),
              );
              return weightedSum(fn(...args)).item() as number;
            });
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          const got = analytic[i]![k]!;
          const ok = Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric);
          assert.ok(ok, `gradcheck: input ${i} element ${k}: analytic ${got}, finite difference ${numeric}`);
        }
      }
    });
  });
}
