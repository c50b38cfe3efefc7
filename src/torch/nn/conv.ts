// Conv2d.
import { conv2d } from "../ops/nn.js";
import type { Tensor } from "../tensor.js";
import { type FactoryOptions, resetWeightAndBias } from "./linear.js";
import { Module } from "./module.js";
import { pyTuple } from "./module-repr.js";
import { emptyParameter, type Parameter } from "./parameter.js";

type Pair = number | [number, number];

/** Options of Conv2d (PyTorch's keyword names). */
export interface Conv2dOptions extends FactoryOptions {
  stride?: Pair;
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  padding_mode?: "zeros";
}

const pair = (x: Pair): [number, number] => (typeof x === "number" ? [x, x] : [x[0], x[1]]);

/** 2-D convolution over [N, C, H, W] input; weight [out_channels, in_channels / groups, kH, kW]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: string;
  weight: Parameter;
  bias: Parameter | null;

  /** `new Conv2d(1, 32, 3)` or `new Conv2d(1, 32, [3, 3], { stride: 2, padding: 1 })`. */
  constructor(in_channels: number, out_channels: number, kernel_size: Pair, opts: Conv2dOptions = {}) {
    super();
    const groups = opts.groups ?? 1;
    if (groups <= 0) throw new Error("groups must be a positive integer");
    if (in_channels % groups !== 0) throw new Error("in_channels must be divisible by groups");
    if (out_channels % groups !== 0) throw new Error("out_channels must be divisible by groups");
    const padding = opts.padding ?? 0;
    this.stride = pair(opts.stride ?? 1);
    if (typeof padding === "string") {
      if (padding !== "same" && padding !== "valid") {
        throw new Error(`Invalid padding string '${padding}', should be one of ['valid', 'same']`);
      }
      if (padding === "same" && this.stride.some((s) => s !== 1)) {
        throw new Error("padding='same' is not supported for strided convolutions");
      }
    }
    if ((opts.padding_mode ?? "zeros") !== "zeros") {
      throw new Error(`Conv2d: padding_mode '${opts.padding_mode}' is not supported yet (only 'zeros')`);
    }
    this.inChannels = in_channels;
    this.outChannels = out_channels;
    this.kernelSize = pair(kernel_size);
    this.padding = typeof padding === "string" ? padding : pair(padding);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = groups;
    this.paddingMode = "zeros";
    this.weight = emptyParameter([out_channels, in_channels / groups, ...this.kernelSize], opts);
    this.bias = (opts.bias ?? true) ? emptyParameter([out_channels], opts) : null;
    this.resetParameters();
  }

  /** Re-draws the parameters as PyTorch's reset_parameters does. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  override forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string") s += `, padding=${p}`;
    else if (p.some((x) => x !== 0)) s += `, padding=${pyTuple(p)}`;
    if (this.dilation.some((x) => x !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    return s;
  }
}
