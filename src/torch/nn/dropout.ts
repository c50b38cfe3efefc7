// Dropout.

import { pyStr } from "../../common/pyvalue.js";
import { dropout } from "../ops/nn.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { pyFloat } from "./module-repr.js";

/** Zeroes elements with probability p in training mode (scaling the rest by 1 / (1 - p)); identity in eval. */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;

  /** `new Dropout(0.2)`. */
  constructor(p = 0.5, opts: { inplace?: boolean } = {}) {
    super();
    if (p < 0 || p > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = opts.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyStr(this.inplace)}`;
  }
}
