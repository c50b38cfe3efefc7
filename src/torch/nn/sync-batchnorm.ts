// nn.SyncBatchNorm: batch normalization whose training statistics cover the whole global batch, all ranks
// of the default process group together (native/dist_syncbn.cc); outside a multi-rank group, or in eval
// mode, it is BatchNorm. convertSyncBatchnorm swaps a model's BatchNorm layers for it, as
// nn.SyncBatchNorm.convert_sync_batchnorm does (Lightning's sync_batchnorm=True).
import { getWorldSize, isInitialized } from "../distributed/process-group.js";
import { type Handle, native } from "../native.js";
import type { Tensor } from "../tensor.js";
import { wrap } from "../tensor.js";
import type { Module } from "./module.js";
import { BatchNorm } from "./normalization.js";

declare module "../native.js" {
  interface NativeAddon {
    syncBatchNorm(
      input: Handle,
      weight: Handle | null,
      bias: Handle | null,
      runningMean: Handle | null,
      runningVar: Handle | null,
      eps: number,
      momentum: number,
    ): Handle;
  }
}

/** BatchNorm over any [N, C, ...] input, synchronized across ranks in training. */
export class SyncBatchNorm extends BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    if (input.dim() < 2) throw new Error(`expected at least 2D input (got ${input.dim()}D input)`);
  }

  override forward(input: Tensor): Tensor {
    const needSync = this.training && isInitialized() && getWorldSize() > 1;
    if (!needSync) return super.forward(input);
    this.checkInputDim(input);
    if (input.shape[1] === 0) throw new Error("SyncBatchNorm number of input channels should be non-zero");
    let factor = this.momentum ?? 0.0;
    if (this.trackRunningStats && this.num_batches_tracked !== null) {
      native().initAdd_(this.num_batches_tracked.handle, 1);
      if (this.momentum === null) factor = 1.0 / Number(this.num_batches_tracked.item());
    }
    const stats = this.trackRunningStats;
    return wrap(
      native().syncBatchNorm(
        input.handle,
        this.weight?.handle ?? null,
        this.bias?.handle ?? null,
        stats ? (this.running_mean?.handle ?? null) : null,
        stats ? (this.running_var?.handle ?? null) : null,
        this.eps,
        factor,
      ),
    );
  }
}

/**
 * Replaces every BatchNorm layer under `module` by a SyncBatchNorm that shares its parameters and buffers
 * (nn.SyncBatchNorm.convert_sync_batchnorm); returns the converted module (a new one when `module` itself is a
 * BatchNorm).
 */
export function convertSyncBatchnorm(module: Module): Module {
  if (module instanceof BatchNorm && !(module instanceof SyncBatchNorm)) {
    const out = new SyncBatchNorm(module.numFeatures, {
      eps: module.eps,
      momentum: module.momentum,
      affine: module.affine,
      track_running_stats: module.trackRunningStats,
      bias: module.bias !== null,
    });
    out.dispose();
    out.weight = module.weight;
    out.bias = module.bias;
    out.registerBuffer("running_mean", module.running_mean);
    out.registerBuffer("running_var", module.running_var);
    out.registerBuffer("num_batches_tracked", module.num_batches_tracked);
    out.training = module.training;
    return out;
  }
  for (const [name, child] of module.namedChildren()) {
    const converted = convertSyncBatchnorm(child);
    if (converted !== child) module.registerModule(name, converted);
  }
  return module;
}
