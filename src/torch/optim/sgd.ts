/** SGD: PyTorch's torch.optim.SGD (2.13) with momentum, dampening, Nesterov, weight decay and maximize. */
import type { Handle } from "../native.js";
import { native } from "../native.js";
import { type CreatedState, groupNumber, Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { DIFFERENTIABLE, FOREACH, FUSED, nonNegative, type OptionSpec, readOptions } from "./options.js";

declare module "../native.js" {
  interface NativeAddon {
    sgdStep(
      params: Handle[],
      stateTensors: Handle[],
      layout: Int32Array,
      lr: number,
      momentum: number,
      dampening: number,
      weightDecay: number,
      nesterov: boolean,
      maximize: boolean,
    ): CreatedState;
  }
}

/** SGD's options (PyTorch's keyword names and defaults). */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
  maximize: boolean;
  foreach: boolean | null;
  differentiable: boolean;
  fused: boolean | null;
}

/** A param group of SGD. */
export interface SGDParamGroup extends ParamGroup, SGDOptions {}

const SPECS: readonly OptionSpec[] = [
  { key: "lr", type: "number", default: 1e-3, check: nonNegative("learning rate") },
  { key: "momentum", type: "number", default: 0, check: nonNegative("momentum value") },
  { key: "dampening", type: "number", default: 0 },
  { key: "weight_decay", type: "number", default: 0, check: nonNegative("weight_decay value") },
  { key: "nesterov", type: "boolean", default: false },
  { key: "maximize", type: "boolean", default: false },
  FOREACH,
  DIFFERENTIABLE,
  FUSED,
];

/** Stochastic gradient descent; state: `momentum_buffer` per parameter when momentum != 0. */
export class SGD extends Optimizer<SGDParamGroup, SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const defaults = readOptions("SGD", options, SPECS) as unknown as SGDOptions;
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new RangeError("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
    super("SGD", params, defaults, SPECS, ["momentum_buffer"]);
  }

  protected nativeStep(
    group: SGDParamGroup,
    params: Handle[],
    stateTensors: Handle[],
    layout: Int32Array,
    where: string,
  ): CreatedState {
    return native().sgdStep(
      params,
      stateTensors,
      layout,
      groupNumber(group, "lr", where),
      groupNumber(group, "momentum", where),
      groupNumber(group, "dampening", where),
      groupNumber(group, "weight_decay", where),
      group.nesterov === true,
      group.maximize === true,
    );
  }
}
