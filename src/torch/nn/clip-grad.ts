// torch.nn.utils.clip_grad_norm_ / clip_grad_value_, built from tensor ops (Kiln has no fused version yet).
import { fullLike } from "../creation.js";
import "../ops/math.js";
import { norm } from "../ops/reduce.js";
import { stack } from "../ops/shape.js";
import { tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";

/**
 * Scales the gradients of `parameters` in place so that their joint norm is at most `maxNorm` (PyTorch's
 * formula: coefficient `maxNorm / (total + 1e-6)` clamped to 1). Returns the total norm before clipping.
 */
export function clipGradNorm_(parameters: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  return tidy(() => {
    const grads = gradsOf(parameters);
    if (grads.length === 0) return 0;
    const norms = grads.map((g) => norm(g, normType));
    const total = norm(stack(norms), normType);
    const coef = fullLike(total, maxNorm).div(total.add(1e-6)).clamp_(null, 1.0);
    for (const g of grads) g.mul_(coef.to({ dtype: g.dtype, device: g.device }));
    return Number(total.item());
  });
}

/** Clamps every gradient of `parameters` to [-clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Iterable<Tensor>, clipValue: number): void {
  tidy(() => {
    for (const g of gradsOf(parameters)) g.clamp_(-clipValue, clipValue);
  });
}

/** The gradients that exist; each read of `.grad` is a new handle, so call this inside tidy. */
function gradsOf(parameters: Iterable<Tensor>): Tensor[] {
  const out: Tensor[] = [];
  for (const p of parameters) {
    const g = p.grad;
    if (g !== null) out.push(g);
  }
  return out;
}
