// Linear, Identity and Flatten.

import { pyStr } from "../../common/pyvalue.js";
import type { Device, DType } from "../dtype.js";
import { calculateFanInAndFanOut, kaiming_uniform_, uniform_ } from "../ops/init.js";
import { linear } from "../ops/nn.js";
import { flatten } from "../ops/shape.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { emptyParameter, type Parameter } from "./parameter.js";

/** Where and in which dtype a layer creates its parameters (PyTorch's factory_kwargs). */
export interface FactoryOptions {
  device?: Device | string;
  dtype?: DType;
}

/** Options of Linear (PyTorch's keyword names). */
export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

/** PyTorch's default init of a weight and its bias: kaiming_uniform_(a=sqrt(5)), bias U(+-1/sqrt(fan_in)). */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  kaiming_uniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

/** y = x W^T + b, with W of shape [out_features, in_features]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  /** `new Linear(784, 64)` or `new Linear(784, 64, { bias: false })`. */
  constructor(in_features: number, out_features: number, opts: LinearOptions = {}) {
    super();
    this.inFeatures = in_features;
    this.outFeatures = out_features;
    this.weight = emptyParameter([out_features, in_features], opts);
    this.bias = (opts.bias ?? true) ? emptyParameter([out_features], opts) : null;
    this.resetParameters();
  }

  /** Re-draws the parameters as PyTorch's reset_parameters does. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyStr(this.bias !== null)}`;
  }
}

/** Returns its input unchanged (constructor arguments are accepted and ignored, as in PyTorch). */
export class Identity extends Module {
  /** Any arguments are ignored. */
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input;
  }
}

/** Flattens dims start_dim..end_dim into one (default: all but the batch dim). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  /** `new Flatten()` flattens [N, ...] to [N, -1]. */
  constructor(start_dim = 1, end_dim = -1) {
    super();
    this.startDim = start_dim;
    this.endDim = end_dim;
  }

  override forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
