// Parameter: a Tensor that a Module registers as trainable state (PyTorch's nn.Parameter).
import { empty } from "../creation.js";
import type { TensorOptions } from "../dtype.js";
import { native } from "../native.js";
import { Tensor } from "../tensor.js";

/**
 * A tensor a Module owns as a parameter. `new Parameter(t)` shares t's storage (like PyTorch) through a new
 * handle; the caller still owns `t`. Parameters are exempt from torch.tidy scopes: the module frees them in
 * dispose().
 */
export class Parameter extends Tensor {
  /** Wraps `data`'s storage as a parameter; requiresGrad defaults to true as in PyTorch. */
  constructor(data: Tensor, requiresGrad = true) {
    super(native().detach(data.handle));
    this.kept = true;
    if (requiresGrad) native().setRequiresGrad(this.handle, true);
  }

  /** "Parameter containing:\ntensor(...)" as PyTorch prints it. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** A new uninitialised parameter of `shape` (layers fill it with nn.init right after). */
export function emptyParameter(shape: number[], opts: TensorOptions = {}, requiresGrad = true): Parameter {
  const data = empty(shape, { dtype: opts.dtype, device: opts.device });
  try {
    return new Parameter(data, requiresGrad);
  } finally {
    data.dispose();
  }
}
