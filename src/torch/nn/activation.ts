// Activation layers: ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax.
// `inplace` options are accepted for PyTorch compatibility and printed, but the result is computed out of
// place (same values; autograd-safe).

import { pyReprString } from "../../common/pyrepr.js";
import { sigmoid, tanh } from "../ops/math.js";
import { gelu, leakyRelu, logSoftmax, relu, silu, softmax } from "../ops/nn.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { pyFloat } from "./module-repr.js";

/** The `inplace` option of activations. */
export interface InplaceOptions {
  inplace?: boolean;
}

/** max(x, 0). */
export class ReLU extends Module {
  readonly inplace: boolean;
  /** `new ReLU()`. */
  constructor(opts: InplaceOptions = {}) {
    super();
    this.inplace = opts.inplace ?? false;
  }
  override forward(input: Tensor): Tensor {
    return relu(input);
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/** x for x >= 0, negative_slope * x otherwise. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  /** `new LeakyReLU(0.2)`. */
  constructor(negative_slope = 0.01, opts: InplaceOptions = {}) {
    super();
    this.negativeSlope = negative_slope;
    this.inplace = opts.inplace ?? false;
  }
  override forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ", inplace=True" : ""}`;
  }
}

/** Gaussian error linear unit ("tanh" uses the tanh approximation). */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  /** `new GELU()`, `new GELU("tanh")` or `new GELU({ approximate: "tanh" })`. */
  constructor(approximate: "none" | "tanh" | { approximate?: "none" | "tanh" } = "none") {
    super();
    this.approximate = typeof approximate === "string" ? approximate : (approximate.approximate ?? "none");
  }
  override forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${pyReprString(this.approximate)}`;
  }
}

/** x * sigmoid(x). */
export class SiLU extends Module {
  readonly inplace: boolean;
  /** `new SiLU()`. */
  constructor(opts: InplaceOptions = {}) {
    super();
    this.inplace = opts.inplace ?? false;
  }
  override forward(input: Tensor): Tensor {
    return silu(input);
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/** 1 / (1 + exp(-x)). */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

// PyTorch's _get_softmax_dim for dim=None (legacy): dim 0 for 0-, 1- and 3-dim input, else 1.
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  readonly dim: number | null;
  /** `new Softmax(1)`; without dim, PyTorch's legacy implicit choice. */
  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor {
    return softmax(input, this.dim ?? implicitDim(input.dim()));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

/** log(softmax(x)) along `dim`. */
export class LogSoftmax extends Module {
  readonly dim: number | null;
  /** `new LogSoftmax(1)`; without dim, PyTorch's legacy implicit choice. */
  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim ?? implicitDim(input.dim()));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}
