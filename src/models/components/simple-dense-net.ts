/**
 * SimpleDenseNet (the template's src/models/components/simple_dense_net.py): three Linear + BatchNorm1d + ReLU
 * blocks and an output Linear, over images flattened to vectors.
 */

import { ReLU } from "../../torch/nn/activation.js";
import { Sequential } from "../../torch/nn/container.js";
import { Linear } from "../../torch/nn/linear.js";
import { Module } from "../../torch/nn/module.js";
import { BatchNorm1d } from "../../torch/nn/normalization.js";
import "../../torch/ops/shape.js";
import type { Tensor } from "../../torch/tensor.js";

/** The layer sizes of SimpleDenseNet (the YAML's keys; the template's defaults). */
export interface SimpleDenseNetOptions {
  input_size?: number;
  lin1_size?: number;
  lin2_size?: number;
  lin3_size?: number;
  output_size?: number;
}

const KEYS = ["input_size", "lin1_size", "lin2_size", "lin3_size", "output_size"];

function size(options: SimpleDenseNetOptions, key: keyof SimpleDenseNetOptions, fallback: number): number {
  const v = options[key] ?? fallback;
  if (!Number.isInteger(v) || v <= 0) {
    throw new RangeError(`SimpleDenseNet: ${key} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** A fully-connected network with batch normalisation: input → lin1 → lin2 → lin3 → output. */
export class SimpleDenseNet extends Module {
  model: Sequential;

  /** Builds the layers; the defaults are the Python template's (784, 256, 256, 256, 10). */
  constructor(options: SimpleDenseNetOptions = {}) {
    super();
    for (const key of Object.keys(options)) {
      if (!KEYS.includes(key)) {
        throw new TypeError(
          `SimpleDenseNet got an unexpected option '${key}'. Known options: ${KEYS.join(", ")}`,
        );
      }
    }
    const input = size(options, "input_size", 784);
    const lin1 = size(options, "lin1_size", 256);
    const lin2 = size(options, "lin2_size", 256);
    const lin3 = size(options, "lin3_size", 256);
    const output = size(options, "output_size", 10);
    this.model = new Sequential(
      new Linear(input, lin1),
      new BatchNorm1d(lin1),
      new ReLU(),
      new Linear(lin1, lin2),
      new BatchNorm1d(lin2),
      new ReLU(),
      new Linear(lin2, lin3),
      new BatchNorm1d(lin3),
      new ReLU(),
      new Linear(lin3, output),
    );
  }

  /** (batch, 1, width, height) → (batch, 1*width*height) → logits (batch, output_size). */
  override forward(x: Tensor): Tensor {
    const batchSize = x.shape[0]!;
    const flat = x.view([batchSize, -1]);
    try {
      return this.model.call(flat);
    } finally {
      if (flat !== x) flat.dispose();
    }
  }
}
