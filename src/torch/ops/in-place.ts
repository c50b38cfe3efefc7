// In-place tensor methods (t.add_(x), t.zero_(), t.copy_(src), ...): they write into `this` and return it,
// as PyTorch's trailing-underscore methods do. There are no torch.* function forms, as in PyTorch.
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike } from "../tensor.js";
import type { RoundingMode } from "./arithmetic.js";
import { type Bound, bound } from "./clamp-bound.js";

declare module "../native.js" {
  interface NativeAddon {
    add_(a: Handle, b: Handle | Scalar, alpha?: Scalar): void;
    sub_(a: Handle, b: Handle | Scalar, alpha?: Scalar): void;
    mul_(a: Handle, b: Handle | Scalar): void;
    div_(a: Handle, b: Handle | Scalar, roundingMode?: RoundingMode): void;
    clamp_(t: Handle, min: Bound, max: Bound): void;
    zero_(t: Handle): void;
    fill_(t: Handle, value: Handle | Scalar): void;
    copy_(dst: Handle, src: Handle): void;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** In place: this += alpha * other. */
    add_(other: TensorLike, alpha?: Scalar): this;
    /** In place: this -= alpha * other. */
    sub_(other: TensorLike, alpha?: Scalar): this;
    /** In place: this *= other. */
    mul_(other: TensorLike): this;
    /** In place: this /= other (optionally rounded). */
    div_(other: TensorLike, roundingMode?: RoundingMode): this;
    /** In place clamp to [min, max]. */
    clamp_(min?: TensorLike | null, max?: TensorLike | null): this;
    /** In place: every element becomes 0. */
    zero_(): this;
    /** In place: every element becomes `value` (a number or a 0-dim tensor). */
    fill_(value: TensorLike): this;
    /** In place: copies `src` (broadcast, converted to this dtype and device) into this. */
    copy_(src: Tensor): this;
  }
}

Object.assign(Tensor.prototype, {
  add_(this: Tensor, other: TensorLike, alpha?: Scalar) {
    native().add_(this.handle, operand(other), alpha);
    return this;
  },
  sub_(this: Tensor, other: TensorLike, alpha?: Scalar) {
    native().sub_(this.handle, operand(other), alpha);
    return this;
  },
  mul_(this: Tensor, other: TensorLike) {
    native().mul_(this.handle, operand(other));
    return this;
  },
  div_(this: Tensor, other: TensorLike, roundingMode?: RoundingMode) {
    native().div_(this.handle, operand(other), roundingMode);
    return this;
  },
  clamp_(this: Tensor, min?: TensorLike | null, max?: TensorLike | null) {
    native().clamp_(this.handle, bound(min), bound(max));
    return this;
  },
  zero_(this: Tensor) {
    native().zero_(this.handle);
    return this;
  },
  fill_(this: Tensor, value: TensorLike) {
    native().fill_(this.handle, operand(value));
    return this;
  },
  copy_(this: Tensor, src: Tensor) {
    native().copy_(this.handle, src.handle);
    return this;
  },
} satisfies Partial<Record<keyof Tensor, unknown>>);
