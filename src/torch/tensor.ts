// The Tensor class: a JS object over one native handle. Only what every tensor has lives here (properties,
// conversion, lifetime, autograd state); ops are added by src/torch/ops/*.ts through module augmentation.
import { type NestedArray, nestFlat } from "./convert.js";
import type { Device, DType } from "./dtype.js";
import { type Handle, type NativeTypedArray, native, type Scalar } from "./native.js";
import { type Scoped, scopedBrand, track } from "./scope.js";

// The GC safety net of tensors that outlive every scope (armed by scope.ts): frees the native tensor of a Tensor
// collected undisposed. Disposing twice is harmless (the native side ignores stale handles).
const finalizers = new FinalizationRegistry<Handle>((handle) => {
  try {
    native().dispose(handle);
  } catch {
    // a finalizer must never throw; the handle is freed or foreign either way
  }
});

/** A tensor or a plain number/boolean that broadcasts like a Python scalar. */
export type TensorLike = Tensor | Scalar;

/** A libtorch tensor. Free it with dispose() (or `using`, or inside torch.tidy); the GC is only a safety net. */
export class Tensor implements Scoped, Disposable {
  declare readonly [scopedBrand]: true;
  /** The native handle; pass it to native() functions (op files do). */
  readonly handle: Handle;
  /** Set by torch.keep(): no tidy scope disposes this tensor. */
  kept = false;
  #disposed = false;

  /** Wraps a handle the caller owns; use wrap() from op code. */
  constructor(handle: Handle) {
    this.handle = handle;
    track(this);
  }

  /** Frees the native tensor now; later use throws a TorchError. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    native().dispose(this.handle);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Frees the native tensor if this object is garbage-collected undisposed (called by scope.ts). */
  armFinalizer(): void {
    finalizers.register(this, this.handle);
  }

  /** Whether dispose() has run. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Sizes of each dimension. */
  get shape(): number[] {
    return native().shape(this.handle);
  }

  /** Element type. */
  get dtype(): DType {
    return native().dtype(this.handle);
  }

  /** "cpu" or "cuda:N". */
  get device(): string {
    return native().device(this.handle);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return native().dim(this.handle);
  }

  /** Number of dimensions (PyTorch's method name). */
  dim(): number {
    return native().dim(this.handle);
  }

  /** Number of elements. */
  numel(): number {
    return native().numel(this.handle);
  }

  /** Size of one dimension, or the whole shape. */
  size(dim?: number): number | number[] {
    const shape = this.shape;
    if (dim === undefined) return shape;
    return shape[dim < 0 ? dim + shape.length : dim]!;
  }

  /** The value of a one-element tensor (booleans for bool tensors). */
  item(): number | boolean {
    return native().item(this.handle);
  }

  /** Nested JS arrays (PyTorch's tolist()); a 0-dim tensor gives a scalar. */
  toArray(): NestedArray {
    return nestFlat(native().toTypedArray(this.handle), this.shape, this.dtype);
  }

  /** Flat copy of the elements in a typed array (float16/bfloat16 widen to Float32Array, bool as 0/1 bytes). */
  toTypedArray(): NativeTypedArray {
    return native().toTypedArray(this.handle);
  }

  /** Converts to a dtype and/or device (a new tensor; PyTorch returns self when nothing changes, this a new handle). */
  to(target: DType | Device | string | { dtype?: DType; device?: Device | string; copy?: boolean }): Tensor {
    if (typeof target === "string") {
      return isDtypeName(target)
        ? wrap(native().to(this.handle, target))
        : wrap(native().to(this.handle, undefined, target));
    }
    return wrap(native().to(this.handle, target.dtype, target.device, target.copy));
  }

  /** A copy in page-locked (pinned) CPU memory, for faster copies to a GPU; needs a CUDA libtorch. */
  pinMemory(): Tensor {
    return wrap(native().pinMemory(this.handle));
  }

  /** Whether the tensor lives in pinned memory. */
  isPinned(): boolean {
    return native().isPinned(this.handle);
  }

  /** Copy on the CPU. */
  cpu(): Tensor {
    return this.to("cpu");
  }

  /** Copy on a GPU ("cuda" or "cuda:N"). */
  cuda(index?: number): Tensor {
    return this.to(index === undefined ? "cuda" : `cuda:${index}`);
  }

  // ---- autograd -----------------------------------------------------------------------------------------

  /** Whether autograd records operations on this tensor. */
  get requiresGrad(): boolean {
    return native().requiresGrad(this.handle);
  }

  set requiresGrad(value: boolean) {
    native().setRequiresGrad(this.handle, value);
  }

  /** Sets requiresGrad in place and returns this (PyTorch's requires_grad_()). */
  requiresGrad_(value = true): this {
    native().setRequiresGrad(this.handle, value);
    return this;
  }

  /** Whether this is a leaf of the autograd graph (created by the user, not by an op). */
  get isLeaf(): boolean {
    return native().isLeaf(this.handle);
  }

  /** The accumulated gradient, or null. Each read returns a new handle to the same gradient tensor. */
  get grad(): Tensor | null {
    const h = native().grad(this.handle);
    return h === null ? null : new Tensor(h);
  }

  /** Replaces the gradient; null unsets it (PyTorch's `p.grad = None`). */
  set grad(value: Tensor | null) {
    native().setGrad(this.handle, value === null ? null : value.handle);
  }

  /** Unsets the gradient (default, as PyTorch's zero_grad()) or zeroes it in place with setToNone=false. */
  zeroGrad(setToNone = true): void {
    if (setToNone) native().setGrad(this.handle, null);
    else native().zeroGrad(this.handle);
  }

  /** Computes gradients of this tensor w.r.t. graph leaves; non-scalars need `gradient`. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native().backward(this.handle, gradient?.handle, options.retainGraph, options.createGraph);
  }

  /** Keeps the gradient of a non-leaf tensor after backward(). */
  retainGrad(): void {
    native().retainGrad(this.handle);
  }

  /** A new tensor sharing data but cut from the graph. */
  detach(): Tensor {
    return wrap(native().detach(this.handle));
  }

  /** Cuts this tensor from the graph in place. */
  detach_(): this {
    native().detach_(this.handle);
    return this;
  }

  /** "tensor([[1, 2], [3, 4]], dtype=int64)" for debugging. */
  toString(): string {
    if (this.#disposed) return "tensor(<disposed>)";
    const device = this.device;
    const extra = [`dtype=${this.dtype}`, ...(device === "cpu" ? [] : [`device='${device}'`])];
    return `tensor(${JSON.stringify(this.toArray())}, ${extra.join(", ")})`;
  }
}
Object.defineProperty(Tensor.prototype, scopedBrand, { value: true });

const dtypeNames = new Set([
  "float32",
  "float64",
  "float16",
  "bfloat16",
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "bool",
]);

function isDtypeName(s: string): s is DType {
  return dtypeNames.has(s);
}

/** A Tensor owning a handle the native layer just returned. */
export function wrap(handle: Handle): Tensor {
  return new Tensor(handle);
}

/** Tensors owning handles the native layer returned as an array (split, topk, ...). */
export function wrapList(handles: Handle[]): Tensor[] {
  return handles.map((h) => new Tensor(h));
}

/** The native argument for a tensor-or-scalar operand. */
export function operand(x: TensorLike): Handle | Scalar {
  return x instanceof Tensor ? x.handle : x;
}
