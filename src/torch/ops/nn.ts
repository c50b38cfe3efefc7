// Neural-network functional ops (PyTorch's torch.nn.functional): layers, pooling, normalization, dropout,
// activations, and the losses of loss.ts. This module is torch.nn.functional (src/torch/nn/index.ts re-exports it), and each op
// is also a top-level torch function (torch.crossEntropy). Option objects use PyTorch's keyword names, in
// snake_case, so `F.cross_entropy(x, y, ignore_index=0)` reads `F.crossEntropy(x, y, { ignore_index: 0 })`.
import type { DType } from "../dtype.js";
import { type Handle, native } from "../native.js";
import { Tensor, wrap } from "../tensor.js";

export * from "./loss.js";

/** One int for both spatial dims, or [h, w]. */
export type IntPair = number | number[];
type Opt = Handle | undefined;

declare module "../native.js" {
  interface NativeAddon {
    linear(input: Handle, weight: Handle, bias: Opt): Handle;
    conv2d(
      input: Handle,
      weight: Handle,
      bias: Opt,
      stride: IntPair,
      padding: IntPair | string,
      dilation: IntPair,
      groups: number,
    ): Handle;
    maxPool2d(
      input: Handle,
      kernelSize: IntPair,
      stride: IntPair,
      padding: IntPair,
      dilation: IntPair,
      ceilMode: boolean,
    ): Handle;
    avgPool2d(
      input: Handle,
      kernelSize: IntPair,
      stride: IntPair,
      padding: IntPair,
      ceilMode: boolean,
      countIncludePad: boolean,
      divisorOverride?: number,
    ): Handle;
    adaptiveAvgPool2d(input: Handle, outputSize: number[]): Handle;
    batchNorm(
      input: Handle,
      runningMean: Opt,
      runningVar: Opt,
      weight: Opt,
      bias: Opt,
      training: boolean,
      momentum: number,
      eps: number,
    ): Handle;
    layerNorm(input: Handle, shape: number[], weight: Opt, bias: Opt, eps: number): Handle;
    dropout(input: Handle, p: number, training: boolean, inplace?: boolean): Handle;
    pad(input: Handle, pad: number[], mode: string, value?: number): Handle;
    embedding(input: Handle, weight: Handle, paddingIdx?: number, scaleGradByFreq?: boolean): Handle;
    oneHot(t: Handle, numClasses?: number): Handle;
    relu(t: Handle): Handle;
    leakyRelu(t: Handle, negativeSlope?: number): Handle;
    gelu(t: Handle, approximate?: "none" | "tanh"): Handle;
    silu(t: Handle): Handle;
    softmax(t: Handle, dim: number, dtype?: DType): Handle;
    logSoftmax(t: Handle, dim: number, dtype?: DType): Handle;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** max(x, 0) elementwise. */
    relu(): Tensor;
    /** Softmax along `dim`. */
    softmax(dim: number, opts?: { dtype?: DType }): Tensor;
    /** log(softmax(x)) along `dim`, computed stably. */
    logSoftmax(dim: number, opts?: { dtype?: DType }): Tensor;
  }
}

const h = (t: Tensor | null | undefined): Opt => t?.handle;

// ---- layers ---------------------------------------------------------------------------------------------

/** input @ weight^T + bias (weight is [out_features, in_features]). */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native().linear(input.handle, weight.handle, h(bias)));
}

/** Keyword options of conv2d; padding may be "same" (stride 1 only) or "valid". */
export interface Conv2dOptions {
  stride?: IntPair;
  padding?: IntPair | "same" | "valid";
  dilation?: IntPair;
  groups?: number;
}

/** 2-D convolution of [N, C, H, W] (or [C, H, W]) input with [out, C / groups, kH, kW] weight. */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv2dOptions = {},
): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = opts;
  return wrap(native().conv2d(input.handle, weight.handle, h(bias), stride, padding, dilation, groups));
}

/** Keyword options of maxPool2d (stride defaults to kernel_size). */
export interface MaxPool2dOptions {
  stride?: IntPair | null;
  padding?: IntPair;
  dilation?: IntPair;
  ceil_mode?: boolean;
}

/** Max over kernel_size windows of the last two dims. */
export function maxPool2d(input: Tensor, kernel_size: IntPair, opts: MaxPool2dOptions = {}): Tensor {
  const { stride, padding = 0, dilation = 1, ceil_mode = false } = opts;
  return wrap(native().maxPool2d(input.handle, kernel_size, stride ?? [], padding, dilation, ceil_mode));
}

/** Keyword options of avgPool2d (stride defaults to kernel_size). */
export interface AvgPool2dOptions {
  stride?: IntPair | null;
  padding?: IntPair;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** Mean over kernel_size windows of the last two dims. */
export function avgPool2d(input: Tensor, kernel_size: IntPair, opts: AvgPool2dOptions = {}): Tensor {
  const { stride, padding = 0, ceil_mode = false, count_include_pad = true, divisor_override } = opts;
  const div = divisor_override ?? undefined;
  return wrap(
    native().avgPool2d(input.handle, kernel_size, stride ?? [], padding, ceil_mode, count_include_pad, div),
  );
}

/** Average pooling to a fixed [h, w] output (a null entry keeps that input size). */
export function adaptiveAvgPool2d(input: Tensor, output_size: number | (number | null)[]): Tensor {
  const sizes = typeof output_size === "number" ? [output_size, output_size] : output_size;
  const shape = input.shape;
  const resolved = sizes.map((s, k) => s ?? shape[shape.length - sizes.length + k]!);
  return wrap(native().adaptiveAvgPool2d(input.handle, resolved));
}

/** Keyword options of batchNorm (PyTorch's defaults: eval mode, momentum 0.1, eps 1e-5). */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalization over dim 1. In training mode it uses the batch statistics and updates running_mean and
 * running_var in place (momentum-weighted, unbiased variance); in eval mode it uses the running statistics.
 */
export function batchNorm(
  input: Tensor,
  running_mean: Tensor | null,
  running_var: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  const { weight, bias, training = false, momentum = 0.1, eps = 1e-5 } = opts;
  return wrap(
    native().batchNorm(
      input.handle,
      h(running_mean),
      h(running_var),
      h(weight),
      h(bias),
      training,
      momentum,
      eps,
    ),
  );
}

/** Keyword options of layerNorm. */
export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** Normalizes over the trailing normalized_shape dims, then scales by weight and shifts by bias. */
export function layerNorm(
  input: Tensor,
  normalized_shape: number | number[],
  opts: LayerNormOptions = {},
): Tensor {
  const shape = typeof normalized_shape === "number" ? [normalized_shape] : normalized_shape;
  return wrap(native().layerNorm(input.handle, shape, h(opts.weight), h(opts.bias), opts.eps ?? 1e-5));
}

/** Keyword options of dropout (F.dropout defaults to training = true). */
export interface DropoutOptions {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p); the identity when not training. */
export function dropout(input: Tensor, opts: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true, inplace = false } = opts;
  if (inplace) {
    native().dropout(input.handle, p, training, true);
    return input;
  }
  return wrap(native().dropout(input.handle, p, training));
}

/** Keyword options of pad (F.pad): the mode and the constant mode's fill value. */
export interface PadOptions {
  mode?: "constant" | "reflect" | "replicate" | "circular";
  value?: number;
}

/**
 * F.pad: `pad` holds (before, after) pairs starting from the last dimension, e.g. [left, right, top, bottom]
 * for an image; "constant" fills with `value` (default 0), the other modes copy edges as PyTorch's do.
 */
export function pad(input: Tensor, padding: number[], opts: PadOptions = {}): Tensor {
  const { mode = "constant", value } = opts;
  if (padding.length % 2 !== 0) {
    throw new RangeError(`pad: the padding length must be divisible by 2, got ${padding.length} values`);
  }
  if (value !== undefined && mode !== "constant") {
    throw new TypeError(`pad: a fill value applies to mode "constant" only, not "${mode}"`);
  }
  return wrap(native().pad(input.handle, padding, mode, mode === "constant" ? (value ?? 0) : undefined));
}

/** Keyword options of embedding (padding_idx rows get no gradient; negative counts from the end). */
export interface EmbeddingOptions {
  padding_idx?: number | null;
  scale_grad_by_freq?: boolean;
}

/** Rows of weight picked by the integer indices in input. */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  const padding = opts.padding_idx ?? undefined;
  return wrap(native().embedding(input.handle, weight.handle, padding, opts.scale_grad_by_freq));
}

/** int64 one-hot encoding with a trailing dim of num_classes (-1: max(t) + 1). */
export function oneHot(t: Tensor, num_classes = -1): Tensor {
  return wrap(native().oneHot(t.handle, num_classes));
}

// ---- activations ----------------------------------------------------------------------------------------

/** max(x, 0) elementwise. */
export function relu(t: Tensor): Tensor {
  return wrap(native().relu(t.handle));
}

/** x for x >= 0, negative_slope * x otherwise. */
export function leakyRelu(t: Tensor, negative_slope = 0.01): Tensor {
  return wrap(native().leakyRelu(t.handle, negative_slope));
}

/** Gaussian error linear unit; approximate "tanh" uses the tanh formula. */
export function gelu(t: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  return wrap(native().gelu(t.handle, opts.approximate));
}

/** x * sigmoid(x) (swish). */
export function silu(t: Tensor): Tensor {
  return wrap(native().silu(t.handle));
}

/** exp(x) / sum(exp(x)) along `dim` (computed in dtype when given). */
export function softmax(t: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor {
  return wrap(native().softmax(t.handle, dim, opts.dtype));
}

/** log(softmax(x)) along `dim`, computed stably. */
export function logSoftmax(t: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor {
  return wrap(native().logSoftmax(t.handle, dim, opts.dtype));
}

Tensor.prototype.relu = function (this: Tensor) {
  return relu(this);
};
Tensor.prototype.softmax = function (this: Tensor, dim: number, opts?: { dtype?: DType }) {
  return softmax(this, dim, opts);
};
Tensor.prototype.logSoftmax = function (this: Tensor, dim: number, opts?: { dtype?: DType }) {
  return logSoftmax(this, dim, opts);
};
