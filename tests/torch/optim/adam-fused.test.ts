// Adam's fused native pass (native/adam_kernel.cc) against the op-by-op path it replaces: the same bits in the
// parameters and in every state tensor, over sizes around the vector width, the option combinations, several
// thread counts and awkward gradients (denormal, zero, inf, NaN).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { native } from "../../../src/torch/native.js";
import { Adam, type AdamOptions, AdamW } from "../../../src/torch/optim/index.js";

/** Adam on the op-by-op path only (the reference). */
class OpByOpAdam extends Adam {
  protected override fusedKernel = false;
}
class OpByOpAdamW extends AdamW {
  protected override fusedKernel = false;
}

const CONFIGS: [string, Partial<AdamOptions>, boolean][] = [
  ["default", { lr: 1e-3 }, false],
  ["weight decay", { lr: 1e-2, weight_decay: 0.05 }, false],
  ["AdamW", { lr: 1e-2, weight_decay: 0.05 }, true],
  ["amsgrad", { lr: 3e-3, amsgrad: true }, false],
  ["maximize, betas, eps", { lr: 1e-3, maximize: true, betas: [0.8, 0.95], eps: 1e-6 }, false],
  // beta1 <= 0.5: ATen's lerp takes its other formula (weight 1 - beta1 >= 0.5).
  ["beta1 0.3", { lr: 2e-3, betas: [0.3, 0.9] }, false],
  ["AdamW, beta1 0.5", { lr: 2e-3, betas: [0.5, 0.99], weight_decay: 0.1 }, true],
];
const SIZES = [1, 7, 8, 9, 16, 17, 33, 1000, 40_000];

function bits(t: torch.Tensor): Uint32Array {
  const a = t.toTypedArray() as Float32Array;
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** The parameter and its state after `steps` steps of the given optimizer class. */
function train(
  Opt: typeof Adam,
  options: Partial<AdamOptions>,
  n: number,
  grads: (step: number) => torch.Tensor,
): Uint32Array[] {
  torch.manualSeed(n);
  const p = torch.randn([n]).mul(3);
  p.requiresGrad_(true);
  const optimizer = new Opt([p], options);
  for (let step = 0; step < 5; step++) {
    p.grad = grads(step);
    optimizer.step();
  }
  const state = optimizer.state.get(p) as Record<string, torch.Tensor>;
  const names = ["exp_avg", "exp_avg_sq", ...(options.amsgrad ? ["max_exp_avg_sq"] : [])];
  return [bits(p), ...names.map((k) => bits(state[k]!))];
}

function assertSameBits(got: Uint32Array[], want: Uint32Array[], what: string): void {
  assert.equal(got.length, want.length, what);
  for (let k = 0; k < want.length; k++) {
    const a = got[k]!;
    const b = want[k]!;
    let first = -1;
    for (let i = 0; i < b.length && first < 0; i++) if (a[i] !== b[i]) first = i;
    assert.equal(first, -1, `${what}: tensor ${k} differs first at element ${first}`);
  }
}

test("the fused pass is available where ATen runs its AVX2 kernels", () => {
  assert.ok(["avx2", "aten"].includes(native().adamKernel()));
});

for (const threads of [1, 3]) {
  test(`Adam's fused pass gives the op-by-op path's bits (${threads} thread(s))`, () => {
    const before = torch.getNumThreads();
    torch.setNumThreads(threads);
    try {
      for (const [name, options, decoupled] of CONFIGS) {
        for (const n of SIZES) {
          torch.tidy(() => {
            torch.manualSeed(1000 + n);
            const gradients = Array.from({ length: 5 }, (_, s) =>
              torch.keep(torch.randn([n]).mul(s === 3 ? 1e-20 : 2)),
            );
            const grads = (s: number) => gradients[s]!.clone();
            const fused = train(decoupled ? AdamW : Adam, options, n, grads);
            const reference = train(decoupled ? OpByOpAdamW : OpByOpAdam, options, n, grads);
            for (const g of gradients) g.dispose();
            assertSameBits(fused, reference, `${name}, ${n} elements`);
          });
        }
      }
    } finally {
      torch.setNumThreads(before);
    }
  });
}

test("zero, infinite and NaN gradients go the same way through both paths", () => {
  torch.tidy(() => {
    const special = torch.tensor([
      0,
      -0,
      Infinity,
      -Infinity,
      Number.NaN,
      1e-45,
      -3,
      2,
      0,
      5,
      7,
      -1,
      1,
      0.5,
      9,
      4,
      3,
    ]);
    for (const [name, options, decoupled] of CONFIGS) {
      const grads = (s: number) => (s === 2 ? special.clone() : special.mul(0.25 * (s + 1)));
      const fused = train(decoupled ? AdamW : Adam, options, 17, grads);
      const reference = train(decoupled ? OpByOpAdamW : OpByOpAdam, options, 17, grads);
      assertSameBits(fused, reference, name);
    }
  });
});
