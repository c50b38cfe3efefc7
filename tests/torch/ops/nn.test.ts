// nn functional ops against Python torch (scripts/fixtures/reduce_nn_ops.py) and float64 gradchecks. Behaviour
// that a fixture cannot show (running stats, dropout statistics, errors) is in nn-behaviour.test.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { DType, NestedArray, Tensor } from "../../../src/torch/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { gradcheck } from "../gradcheck.js";

interface Encoded {
  data: NestedArray;
  dtype: DType;
  shape: number[];
  grad?: boolean;
}
interface FixtureCase {
  name: string;
  inputs: Encoded[];
  outputs: Encoded[];
  weights?: (number[] | null)[];
  grads?: (NestedArray | null)[];
}
type Out = Tensor | Tensor[] | { values: Tensor; indices: Tensor };

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/torch/reduce_nn_ops.json", import.meta.url), "utf8"),
) as { cases: FixtureCase[] };

// The JS side of each Python nn case, by name (F = torch.nn.functional, as in Python).
const F = torch.nn.functional;
const ops: Record<string, (...xs: Tensor[]) => Out> = {
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

function outputs(o: Out): Tensor[] {
  if (Array.isArray(o)) return o;
  return "values" in o ? [o.values, o.indices] : [o];
}

function flat(v: NestedArray): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [Number(v)];
}

function assertClose(actual: NestedArray, expected: NestedArray, what: string): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  for (let k = 0; k < a.length; k++) {
    assert.ok(Math.abs(a[k]! - e[k]!) <= 1e-10 * (1 + Math.abs(e[k]!)), `${what}[${k}]: ${a[k]} != ${e[k]}`);
  }
}

// PyTorch defines the padding_idx row's gradient as zero although the output depends on it, so finite
// differences disagree there by design; the fixture's gradients check that behaviour instead.
const noGradcheck = new Set(["embedding_padding_idx", "embedding_padding_negative"]);

const cases = fixture.cases.filter((c) => c.name in ops);
assert.equal(cases.length, Object.keys(ops).length, "every nn op has a fixture case");

for (const c of cases) {
  const op = ops[c.name]!;
  const make = (device: string) =>
    c.inputs.map((i) => torch.tensor(i.data, { dtype: i.dtype, device, requiresGrad: i.grad === true }));

  testOnDevices(`${c.name} matches Python torch`, (device) => {
    torch.tidy(() => {
      const inputs = make(device);
      const outs = outputs(op(...inputs));
      assert.equal(outs.length, c.outputs.length);
      outs.forEach((o, k) => {
        const want = c.outputs[k]!;
        assert.deepEqual([o.dtype, o.shape], [want.dtype, want.shape], `${c.name} output ${k} dtype/shape`);
        assertClose(o.toArray(), want.data, `${c.name} output ${k}`);
      });
      if (!c.weights || !c.grads) return;
      let total: Tensor | null = null;
      c.weights.forEach((w, k) => {
        if (w === null) return;
        const o = outs[k]!;
        const term = o.mul(torch.tensor(w, { dtype: "float64", device }).reshape(o.shape)).sum();
        total = total === null ? term : total.add(term);
      });
      (total as Tensor | null)?.backward();
      c.grads.forEach((g, i) => {
        if (g !== null) assertClose(inputs[i]!.grad!.toArray(), g, `${c.name} grad of input ${i}`);
      });
    });
  });

  if (c.grads && !noGradcheck.has(c.name)) {
    testOnDevices(`${c.name} passes a float64 gradcheck`, (device) => {
      torch.tidy(() => {
        const inputs = make(device).map((t) => t.detach());
        const which = c.inputs.flatMap((i, k) => (i.grad ? [k] : []));
        const fn = (...diff: Tensor[]) => {
          const args = inputs.map((t, k) => (which.includes(k) ? diff[which.indexOf(k)]! : t));
          return outputs(op(...args))[0]!;
        };
        gradcheck(
          fn,
          which.map((k) => inputs[k]!),
        );
      });
    });
  }
}
