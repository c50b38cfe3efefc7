// Embedding.
import { native } from "../native.js";
import { normal_ } from "../ops/init.js";
import { embedding } from "../ops/nn.js";
import type { Tensor } from "../tensor.js";
import type { FactoryOptions } from "./linear.js";
import { Module } from "./module.js";
import { emptyParameter, Parameter } from "./parameter.js";

/** Options of Embedding (PyTorch's keyword names). */
export interface EmbeddingOptions extends FactoryOptions {
  padding_idx?: number | null;
  scale_grad_by_freq?: boolean;
  /** Initial weight [num_embeddings, embedding_dim] (shared, like PyTorch's _weight). */
  _weight?: Tensor;
  /** With _weight: keep the weight frozen (requiresGrad false). */
  _freeze?: boolean;
}

/** A lookup table: integer indices in, rows of a [num_embeddings, embedding_dim] weight out. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly scaleGradByFreq: boolean;
  weight: Parameter;

  /** `new Embedding(10, 3)` or `new Embedding(10, 3, { padding_idx: 0 })`. */
  constructor(num_embeddings: number, embedding_dim: number, opts: EmbeddingOptions = {}) {
    super();
    let pad = opts.padding_idx ?? null;
    if (pad !== null) {
      if (pad >= num_embeddings || pad < -num_embeddings) {
        throw new Error(
          `Padding_idx must be within num_embeddings (got ${pad} for ${num_embeddings} embeddings)`,
        );
      }
      if (pad < 0) pad += num_embeddings;
    }
    this.numEmbeddings = num_embeddings;
    this.embeddingDim = embedding_dim;
    this.paddingIdx = pad;
    this.scaleGradByFreq = opts.scale_grad_by_freq ?? false;
    if (opts._weight === undefined) {
      this.weight = emptyParameter([num_embeddings, embedding_dim], opts);
      this.resetParameters();
    } else {
      const shape = opts._weight.shape;
      if (shape.length !== 2 || shape[0] !== num_embeddings || shape[1] !== embedding_dim) {
        throw new Error("Shape of weight does not match num_embeddings and embedding_dim");
      }
      this.weight = new Parameter(opts._weight, !(opts._freeze ?? false));
    }
  }

  /** Re-draws the weight from N(0, 1) and zeroes the padding row, as PyTorch's reset_parameters. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) native().initFillIndex_(this.weight.handle, this.paddingIdx, 0);
  }

  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, {
      padding_idx: this.paddingIdx,
      scale_grad_by_freq: this.scaleGradByFreq,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    return s;
  }
}
