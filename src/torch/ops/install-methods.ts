// Functional ops installed as Tensor methods (`a.mul(b)` calls `mul(a, b)`), one loop per arity for every op
// family. Fixed arities, no rest parameters: the method is on every op's hot path.
import { Tensor } from "../tensor.js";

type MethodTable = Record<string, unknown>;

/** For each entry, Tensor method `name` calls `fn(this)`. */
export function installUnaryMethods<N extends keyof Tensor>(ops: Record<N, (self: Tensor) => Tensor>): void {
  const proto = Tensor.prototype as unknown as MethodTable;
  for (const [name, fn] of Object.entries(ops) as [string, (self: Tensor) => Tensor][]) {
    proto[name] = function (this: Tensor) {
      return fn(this);
    };
  }
}

/** For each entry, Tensor method `name` calls `fn(this, other)`. */
export function installBinaryMethods<N extends keyof Tensor, B>(
  ops: Record<N, (self: Tensor, other: B) => Tensor>,
): void {
  const proto = Tensor.prototype as unknown as MethodTable;
  for (const [name, fn] of Object.entries(ops) as [string, (self: Tensor, other: B) => Tensor][]) {
    proto[name] = function (this: Tensor, other: B) {
      return fn(this, other);
    };
  }
}
