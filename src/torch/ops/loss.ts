// Loss functions of torch.nn.functional (re-exported by nn.ts, so also F.crossEntropy and torch.crossEntropy).
// Option objects use PyTorch's keyword names in snake_case, as in nn.ts.
import { type Handle, native } from "../native.js";
import { type Tensor, wrap } from "../tensor.js";

/** How a loss reduces over the batch. */
export type Reduction = "none" | "mean" | "sum";
type Opt = Handle | undefined;

declare module "../native.js" {
  interface NativeAddon {
    crossEntropy(
      input: Handle,
      target: Handle,
      weight: Opt,
      ignoreIndex?: number,
      reduction?: Reduction,
      labelSmoothing?: number,
    ): Handle;
    nllLoss(input: Handle, target: Handle, weight: Opt, ignoreIndex?: number, reduction?: Reduction): Handle;
    mseLoss(input: Handle, target: Handle, reduction?: Reduction): Handle;
    l1Loss(input: Handle, target: Handle, reduction?: Reduction): Handle;
    smoothL1Loss(input: Handle, target: Handle, reduction?: Reduction, beta?: number): Handle;
    binaryCrossEntropy(input: Handle, target: Handle, weight: Opt, reduction?: Reduction): Handle;
    binaryCrossEntropyWithLogits(
      input: Handle,
      target: Handle,
      weight: Opt,
      posWeight: Opt,
      reduction?: Reduction,
    ): Handle;
  }
}

const h = (t: Tensor | null | undefined): Opt => t?.handle;

/** Keyword options of crossEntropy. */
export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignore_index?: number;
  reduction?: Reduction;
  label_smoothing?: number;
}

/** Cross entropy of logits [N, C, ...] against class indices [N, ...] or class probabilities [N, C, ...]. */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const { weight, ignore_index, reduction, label_smoothing } = opts;
  return wrap(
    native().crossEntropy(input.handle, target.handle, h(weight), ignore_index, reduction, label_smoothing),
  );
}

/** Keyword options of nllLoss. */
export interface NllLossOptions {
  weight?: Tensor | null;
  ignore_index?: number;
  reduction?: Reduction;
}

/** Negative log likelihood of log-probabilities [N, C, ...] at class indices [N, ...]. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  return wrap(
    native().nllLoss(input.handle, target.handle, h(opts.weight), opts.ignore_index, opts.reduction),
  );
}

/** Mean (or summed) squared error; input and target broadcast. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return wrap(native().mseLoss(input.handle, target.handle, opts.reduction));
}

/** Mean (or summed) absolute error; input and target broadcast. */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return wrap(native().l1Loss(input.handle, target.handle, opts.reduction));
}

/** Huber-like loss: squared below beta (default 1), absolute above. */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction; beta?: number } = {},
): Tensor {
  return wrap(native().smoothL1Loss(input.handle, target.handle, opts.reduction, opts.beta));
}

/** Binary cross entropy of probabilities in [0, 1] (input and target of the same shape). */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  opts: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return wrap(native().binaryCrossEntropy(input.handle, target.handle, h(opts.weight), opts.reduction));
}

/** Keyword options of binaryCrossEntropyWithLogits (pos_weight weighs the positive class, per class). */
export interface BceWithLogitsOptions {
  weight?: Tensor | null;
  pos_weight?: Tensor | null;
  reduction?: Reduction;
}

/** Binary cross entropy of logits, fused with the sigmoid for stability. */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BceWithLogitsOptions = {},
): Tensor {
  const { weight, pos_weight, reduction } = opts;
  return wrap(
    native().binaryCrossEntropyWithLogits(input.handle, target.handle, h(weight), h(pos_weight), reduction),
  );
}
