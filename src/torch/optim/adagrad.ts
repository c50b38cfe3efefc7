/** Adagrad: PyTorch's torch.optim.Adagrad (2.13) with lr decay, weight decay and maximize (dense gradients). */
import { full, fullLike } from "../creation.js";
import type { Handle } from "../native.js";
import { native } from "../native.js";
import { keep } from "../scope.js";
import { type CreatedState, groupNumber, Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { DIFFERENTIABLE, FOREACH, FUSED, nonNegative, type OptionSpec, readOptions } from "./options.js";

declare module "../native.js" {
  interface NativeAddon {
    adagradStep(
      params: Handle[],
      stateTensors: Handle[],
      layout: Int32Array,
      lr: number,
      lrDecay: number,
      weightDecay: number,
      eps: number,
      initialAccumulatorValue: number,
      maximize: boolean,
    ): CreatedState;
  }
}

/** Adagrad's options (PyTorch's keyword names and defaults). */
export interface AdagradOptions {
  lr: number;
  lr_decay: number;
  eps: number;
  weight_decay: number;
  initial_accumulator_value: number;
  foreach: boolean | null;
  maximize: boolean;
  differentiable: boolean;
  fused: boolean | null;
}

/** A param group of Adagrad. */
export interface AdagradParamGroup extends ParamGroup, AdagradOptions {}

const SPECS: readonly OptionSpec[] = [
  { key: "lr", type: "number", default: 1e-2, check: nonNegative("learning rate") },
  { key: "lr_decay", type: "number", default: 0, check: nonNegative("lr_decay value") },
  { key: "eps", type: "number", default: 1e-10, check: nonNegative("epsilon value") },
  { key: "weight_decay", type: "number", default: 0, check: nonNegative("weight_decay value") },
  {
    key: "initial_accumulator_value",
    type: "number",
    default: 0,
    check: nonNegative("initial_accumulator_value value"),
  },
  FOREACH,
  { key: "maximize", type: "boolean", default: false },
  DIFFERENTIABLE,
  FUSED,
];

/**
 * Adagrad; state per parameter: `step` and `sum`. As in PyTorch, the state of the constructor's parameters is
 * created at construction (so a fresh state dict already carries it); groups added later get it lazily.
 */
export class Adagrad extends Optimizer<AdagradParamGroup, AdagradOptions> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    const defaults = readOptions("Adagrad", options, SPECS) as unknown as AdagradOptions;
    super("Adagrad", params, defaults, SPECS, ["step", "sum"]);
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        this.state.set(p, {
          step: keep(full([], 0, { dtype: "float32" })),
          sum: keep(fullLike(p, defaults.initial_accumulator_value)),
        });
      }
    }
  }

  protected nativeStep(
    group: AdagradParamGroup,
    params: Handle[],
    stateTensors: Handle[],
    layout: Int32Array,
    where: string,
  ): CreatedState {
    return native().adagradStep(
      params,
      stateTensors,
      layout,
      groupNumber(group, "lr", where),
      groupNumber(group, "lr_decay", where),
      groupNumber(group, "weight_decay", where),
      groupNumber(group, "eps", where),
      // PyTorch initialises lazily created sums from the constructor's value, not the group's.
      this.defaults.initial_accumulator_value,
      group.maximize === true,
    );
  }
}
