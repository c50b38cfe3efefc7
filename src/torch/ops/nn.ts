// Neural-network functional ops: torch.relu(t) and t.relu(); torch.nn.functional re-exports these.
import { type Handle, native } from "../native.js";
import { Tensor, wrap } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    relu(t: Handle): Handle;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** max(x, 0) elementwise. */
    relu(): Tensor;
  }
}

/** max(x, 0) elementwise. */
export function relu(t: Tensor): Tensor {
  return wrap(native().relu(t.handle));
}

Tensor.prototype.relu = function (this: Tensor) {
  return relu(this);
};
