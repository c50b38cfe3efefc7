// BatchNorm1d, BatchNorm2d and LayerNorm.

import { pyStr } from "../../common/pyvalue.js";
import { zeros } from "../creation.js";
import { native } from "../native.js";
import { ones_, zeros_ } from "../ops/init.js";
import { batchNorm, layerNorm } from "../ops/nn.js";
import type { Tensor } from "../tensor.js";
import type { FactoryOptions } from "./linear.js";
import { Module } from "./module.js";
import { pyFloat, pyTuple } from "./module-repr.js";
import { emptyParameter, type Parameter } from "./parameter.js";

/** Options of BatchNorm1d/2d (PyTorch's keyword names; momentum null = cumulative moving average). */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  track_running_stats?: boolean;
  bias?: boolean;
}

/** Batch normalization over dim 1 with running statistics (PyTorch's _BatchNorm). */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  /** Weight of the new batch in the running statistics; null averages all batches equally. */
  momentum: number | null;
  readonly affine: boolean;
  /** Fine-tuning callbacks turn it off while a layer is frozen (Lightning's freeze_module), as PyTorch allows. */
  trackRunningStats: boolean;
  weight: Parameter | null = null;
  bias: Parameter | null = null;
  // Buffers keep PyTorch's snake_case names: they are the state_dict keys. Read them through the getters.
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(num_features: number, opts: BatchNormOptions = {}) {
    super();
    this.numFeatures = num_features;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.track_running_stats ?? true;
    const factory = { dtype: opts.dtype, device: opts.device };
    if (this.affine) {
      this.weight = emptyParameter([num_features], factory);
      this.bias = (opts.bias ?? true) ? emptyParameter([num_features], factory) : null;
    }
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([num_features], factory));
      this.registerBuffer("running_var", zeros([num_features], factory));
      this.registerBuffer("num_batches_tracked", zeros([], { dtype: "int64", device: opts.device }));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }

  /** Running mean buffer (state_dict key `running_mean`). */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }

  /** Running variance buffer (state_dict key `running_var`). */
  get runningVar(): Tensor | null {
    return this.running_var;
  }

  /** Count of training batches seen (state_dict key `num_batches_tracked`, int64). */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Zeroes the running mean and count, sets the running variance to ones. */
  resetRunningStats(): void {
    if (this.running_mean !== null) zeros_(this.running_mean);
    if (this.running_var !== null) ones_(this.running_var);
    if (this.num_batches_tracked !== null) zeros_(this.num_batches_tracked);
  }

  /** Resets the running statistics, weight to ones and bias to zeros. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  protected abstract checkInputDim(input: Tensor): void;

  // A checkpoint saved before num_batches_tracked existed omits it; PyTorch then keeps the current value.
  override optionalStateKeys(): string[] {
    return ["num_batches_tracked"];
  }

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      native().initAdd_(this.num_batches_tracked.handle, 1);
      // Cumulative average: reading the count syncs with the device, as float(num_batches_tracked) does.
      if (this.momentum === null) factor = 1.0 / Number(this.num_batches_tracked.item());
    }
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const passStats = !this.training || this.trackRunningStats;
    return batchNorm(input, passStats ? this.running_mean : null, passStats ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, ` +
      `affine=${pyStr(this.affine)}, bias=${pyStr(this.bias !== null)}, ` +
      `track_running_stats=${pyStr(this.trackRunningStats)}`
    );
  }
}

/** BatchNorm over [N, C] or [N, C, L] input. */
export class BatchNorm1d extends BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    const d = input.dim();
    if (d !== 2 && d !== 3) throw new Error(`expected 2D or 3D input (got ${d}D input)`);
  }
}

/** BatchNorm over [N, C, H, W] input. */
export class BatchNorm2d extends BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    const d = input.dim();
    if (d !== 4) throw new Error(`expected 4D input (got ${d}D input)`);
  }
}

/** Options of LayerNorm (PyTorch's keyword names). */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwise_affine?: boolean;
  bias?: boolean;
}

/** Normalizes over the trailing normalized_shape dims, with an elementwise affine transform. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null = null;
  bias: Parameter | null = null;

  /** `new LayerNorm(64)` or `new LayerNorm([8, 8], { eps: 1e-6 })`. */
  constructor(normalized_shape: number | number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalized_shape === "number" ? [normalized_shape] : [...normalized_shape];
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwise_affine ?? true;
    const factory = { dtype: opts.dtype, device: opts.device };
    if (this.elementwiseAffine) {
      this.weight = emptyParameter(this.normalizedShape, factory);
      this.bias = (opts.bias ?? true) ? emptyParameter(this.normalizedShape, factory) : null;
    }
    this.resetParameters();
  }

  /** Weight to ones, bias to zeros. */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return (
      `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, ` +
      `elementwise_affine=${pyStr(this.elementwiseAffine)}, bias=${pyStr(this.bias !== null)}`
    );
  }
}
