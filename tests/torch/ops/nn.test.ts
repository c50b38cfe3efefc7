// nn functional ops against Python torch (scripts/fixtures/reduce_nn_ops.py) and float64 gradchecks. Behaviour
// that a fixture cannot show (running stats, dropout statistics, errors) is in nn-behaviour.test.ts.
import assert from "node:assert/strict";
import * as torch from "../../../src/torch/index.js";
import { declareMultiOutputTests, type MultiOutputOp, reduceNnCases } from "./fixture.js";

// The JS side of each Python nn case, by name (F = torch.nn.functional, as in Python).
const F = torch.nn.functional;
const ops: Record<string, MultiOutputOp> = {
  linear: (x, w, b) => F.linear(x!, w!, b),
  linear_nobias: (x, w) => torch.linear(x!, w!),
  conv2d_basic: (x, w, b) => F.conv2d(x!, w!, b),
  conv2d_stride_pad: (x, w) => F.conv2d(x!, w!, null, { stride: 2, padding: 1 }),
  conv2d_same_dilation: (x, w, b) => F.conv2d(x!, w!, b, { padding: "same", dilation: 2 }),
  conv2d_valid_rect: (x, w) => F.conv2d(x!, w!, undefined, { padding: "valid", stride: [1, 2] }),
  conv2d_groups: (x, w) => F.conv2d(x!, w!, null, { padding: 1, groups: 2 }),
  max_pool2d: (x) => F.maxPool2d(x!, 2),
  max_pool2d_stride_pad: (x) => F.maxPool2d(x!, 3, { stride: 1, padding: 1 }),
  max_pool2d_ceil_dilation: (x) => F.maxPool2d(x!, 2, { stride: 2, dilation: 2, ceil_mode: true }),
  avg_pool2d: (x) => F.avgPool2d(x!, 2),
  avg_pool2d_pad_exclude: (x) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, count_include_pad: false }),
  avg_pool2d_ceil_divisor: (x) => F.avgPool2d(x!, 2, { ceil_mode: true, divisor_override: 3 }),
  adaptive_avg_pool2d: (x) => F.adaptiveAvgPool2d(x!, [2, 3]),
  adaptive_avg_pool2d_one: (x) => F.adaptiveAvgPool2d(x!, 1),
  adaptive_avg_pool2d_none: (x) => F.adaptiveAvgPool2d(x!, [null, 2]),
  batch_norm_train: (x, m, v, weight, bias) => [
    F.batchNorm(x!, m!, v!, { weight, bias, training: true, momentum: 0.2, eps: 1e-5 }),
    m!,
    v!,
  ],
  batch_norm_eval: (x, m, v, weight, bias) => F.batchNorm(x!, m!, v!, { weight, bias }),
  batch_norm_train_no_stats: (x) => F.batchNorm(x!, null, null, { training: true }),
  layer_norm_affine: (x, weight, bias) => F.layerNorm(x!, [3, 4], { weight, bias }),
  layer_norm_plain: (x) => F.layerNorm(x!, 4, { eps: 1e-3 }),
  embedding: (i, w) => F.embedding(i!, w!),
  embedding_padding_idx: (i, w) => F.embedding(i!, w!, { padding_idx: 2 }),
  embedding_padding_negative: (i, w) => F.embedding(i!, w!, { padding_idx: -1 }),
  one_hot: (i) => F.oneHot(i!, 5),
  one_hot_inferred: (i) => torch.oneHot(i!),
  relu: (x) => F.relu(x!),
  leaky_relu: (x) => F.leakyRelu(x!, 0.2),
  gelu: (x) => F.gelu(x!),
  gelu_tanh: (x) => F.gelu(x!, { approximate: "tanh" }),
  silu: (x) => F.silu(x!),
  softmax_dim1: (x) => F.softmax(x!, 1),
  softmax_dim0: (x) => x!.softmax(0),
  log_softmax: (x) => F.logSoftmax(x!, -1),
  cross_entropy: (x, y) => F.crossEntropy(x!, y!),
  cross_entropy_weight_ignore: (x, y, weight) => F.crossEntropy(x!, y!, { weight, ignore_index: 1 }),
  cross_entropy_smoothing: (x, y, weight) => F.crossEntropy(x!, y!, { weight, label_smoothing: 0.1 }),
  cross_entropy_none: (x, y) => F.crossEntropy(x!, y!, { reduction: "none" }),
  cross_entropy_sum: (x, y) => F.crossEntropy(x!, y!, { reduction: "sum", label_smoothing: 0.2 }),
  cross_entropy_probs: (x, y) => F.crossEntropy(x!, y!),
  cross_entropy_probs_smoothing: (x, y) => F.crossEntropy(x!, y!, { label_smoothing: 0.3 }),
  cross_entropy_kdim: (x, y) => torch.crossEntropy(x!, y!),
  nll_loss: (x, y) => F.nllLoss(x!, y!),
  nll_loss_weight_ignore: (x, y, weight) => F.nllLoss(x!, y!, { weight, ignore_index: 2 }),
  nll_loss_none: (x, y) => F.nllLoss(x!, y!, { reduction: "none" }),
  mse_loss: (x, y) => F.mseLoss(x!, y!),
  mse_loss_sum: (x, y) => F.mseLoss(x!, y!, { reduction: "sum" }),
  mse_loss_none_broadcast: (x, y) => F.mseLoss(x!, y!, { reduction: "none" }),
  l1_loss: (x, y) => F.l1Loss(x!, y!),
  l1_loss_none: (x, y) => F.l1Loss(x!, y!, { reduction: "none" }),
  smooth_l1_loss: (x, y) => F.smoothL1Loss(x!, y!),
  smooth_l1_loss_beta: (x, y) => F.smoothL1Loss(x!, y!, { beta: 0.3, reduction: "sum" }),
  smooth_l1_loss_beta0: (x, y) => F.smoothL1Loss(x!, y!, { beta: 0 }),
  binary_cross_entropy: (x, y) => F.binaryCrossEntropy(x!, y!),
  binary_cross_entropy_weight_none: (x, y, weight) =>
    F.binaryCrossEntropy(x!, y!, { weight, reduction: "none" }),
  bce_with_logits: (x, y) => F.binaryCrossEntropyWithLogits(x!, y!),
  bce_with_logits_pos_weight: (x, y, weight, pw) =>
    F.binaryCrossEntropyWithLogits(x!, y!, { weight, pos_weight: pw, reduction: "sum" }),
};

// PyTorch defines the padding_idx row's gradient as zero although the output depends on it, so finite
// differences disagree there by design; the fixture's gradients check that behaviour instead.
const noGradcheck = new Set(["embedding_padding_idx", "embedding_padding_negative"]);

const cases = reduceNnCases(ops);
assert.equal(cases.length, Object.keys(ops).length, "every nn op has a fixture case");

declareMultiOutputTests(cases, ops, { noGradcheck });
