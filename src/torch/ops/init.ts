// nn.init: in-place initialisers with PyTorch's names, fan computation and gains. The fills run natively on
// the global generator, so after torch.manualSeed(s) they draw exactly the numbers PyTorch draws.
import { type Handle, native, type Scalar } from "../native.js";
import type { Tensor } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    initUniform_(t: Handle, low: number, high: number): void;
    initNormal_(t: Handle, mean: number, std: number): void;
    initFill_(t: Handle, value: Scalar): void;
    initTruncNormal_(t: Handle, mean: number, std: number, a: number, b: number): void;
    initCopy_(dst: Handle, src: Handle): void;
    initAdd_(t: Handle, value: Scalar): void;
    initMoveTo_(t: Handle, dtype?: string, device?: string): void;
    initFillIndex_(t: Handle, index: number, value: Scalar): void;
  }
}

/** Nonlinearities calculate_gain knows (PyTorch's names). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain; `param` is leaky_relu's slope). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5.0 / 3;
    case "relu":
      return Math.sqrt(2.0);
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case "selu":
      return 3.0 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity "${nonlinearity as string}"`);
  }
}

/** fan_in and fan_out of a weight: dims 1 and 0 times the receptive field (PyTorch's rule; needs >= 2 dims). */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  const shape = tensor.shape;
  if (shape.length < 2) {
    throw new Error(
      `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape [${shape.join(", ")}])`,
    );
  }
  const receptiveField = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptiveField, fanOut: shape[0]! * receptiveField };
}

function correctFan(tensor: Tensor, mode: "fan_in" | "fan_out"): number {
  if (mode !== "fan_in" && mode !== "fan_out") {
    throw new Error(`Mode ${mode as string} not supported, please use one of fan_in, fan_out`);
  }
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  return mode === "fan_in" ? fanIn : fanOut;
}

/** Fills from U(a, b) in place. */
export function uniform_(tensor: Tensor, a = 0.0, b = 1.0): Tensor {
  native().initUniform_(tensor.handle, a, b);
  return tensor;
}

/** Fills from N(mean, std^2) in place. */
export function normal_(tensor: Tensor, mean = 0.0, std = 1.0): Tensor {
  native().initNormal_(tensor.handle, mean, std);
  return tensor;
}

/** Fills from N(mean, std^2) truncated to [a, b] (PyTorch's inverse-CDF method) in place. */
export function trunc_normal_(tensor: Tensor, mean = 0.0, std = 1.0, a = -2.0, b = 2.0): Tensor {
  native().initTruncNormal_(tensor.handle, mean, std, a, b);
  return tensor;
}

/** Fills with a constant in place. */
export function constant_(tensor: Tensor, val: Scalar): Tensor {
  native().initFill_(tensor.handle, val);
  return tensor;
}

/** Fills with ones in place. */
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/** Fills with zeros in place. */
export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

/** Xavier/Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavier_uniform_(tensor: Tensor, gain = 1.0): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/** Xavier/Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). */
export function xavier_normal_(tensor: Tensor, gain = 1.0): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(tensor, 0, std);
}

/** Options of the Kaiming initialisers (PyTorch's defaults: a=0, fan_in, leaky_relu). */
export interface KaimingOptions {
  a?: number;
  mode?: "fan_in" | "fan_out";
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, opts: KaimingOptions): number {
  const fan = correctFan(tensor, opts.mode ?? "fan_in");
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** Kaiming/He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaiming_uniform_(tensor: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3.0) * kaimingStd(tensor, opts);
  return uniform_(tensor, -bound, bound);
}

/** Kaiming/He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaiming_normal_(tensor: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(tensor, 0, kaimingStd(tensor, opts));
}

// camelCase aliases for TS callers; the snake_case names above are PyTorch's.
export {
  kaiming_normal_ as kaimingNormal_,
  kaiming_uniform_ as kaimingUniform_,
  trunc_normal_ as truncNormal_,
  xavier_normal_ as xavierNormal_,
  xavier_uniform_ as xavierUniform_,
};
