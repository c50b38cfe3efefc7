/** RMSprop: PyTorch's torch.optim.RMSprop (2.13), plain or centered, with momentum, weight decay, maximize. */
import type { Handle } from "../native.js";
import { native } from "../native.js";
import { type CreatedState, groupNumber, Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { CAPTURABLE, DIFFERENTIABLE, FOREACH, nonNegative, type OptionSpec, readOptions } from "./options.js";

declare module "../native.js" {
  interface NativeAddon {
    rmspropStep(
      params: Handle[],
      stateTensors: Handle[],
      layout: Int32Array,
      lr: number,
      alpha: number,
      eps: number,
      weightDecay: number,
      momentum: number,
      centered: boolean,
      maximize: boolean,
    ): CreatedState;
  }
}

/** RMSprop's options (PyTorch's keyword names and defaults). */
export interface RMSpropOptions {
  lr: number;
  momentum: number;
  alpha: number;
  eps: number;
  centered: boolean;
  weight_decay: number;
  capturable: boolean;
  foreach: boolean | null;
  maximize: boolean;
  differentiable: boolean;
}

/** A param group of RMSprop. */
export interface RMSpropParamGroup extends ParamGroup, RMSpropOptions {}

const SPECS: readonly OptionSpec[] = [
  { key: "lr", type: "number", default: 1e-2, check: nonNegative("learning rate") },
  { key: "momentum", type: "number", default: 0, check: nonNegative("momentum value") },
  { key: "alpha", type: "number", default: 0.99, check: nonNegative("alpha value") },
  { key: "eps", type: "number", default: 1e-8, check: nonNegative("epsilon value") },
  { key: "centered", type: "boolean", default: false },
  { key: "weight_decay", type: "number", default: 0, check: nonNegative("weight_decay value") },
  CAPTURABLE,
  FOREACH,
  { key: "maximize", type: "boolean", default: false },
  DIFFERENTIABLE,
];

/** RMSprop; state per parameter: `step`, `square_avg` (+ `momentum_buffer`, `grad_avg` when used). */
export class RMSprop extends Optimizer<RMSpropParamGroup, RMSpropOptions> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const defaults = readOptions("RMSprop", options, SPECS) as unknown as RMSpropOptions;
    super("RMSprop", params, defaults, SPECS, ["step", "square_avg", "momentum_buffer", "grad_avg"]);
  }

  protected nativeStep(
    group: RMSpropParamGroup,
    params: Handle[],
    stateTensors: Handle[],
    layout: Int32Array,
    where: string,
  ): CreatedState {
    return native().rmspropStep(
      params,
      stateTensors,
      layout,
      groupNumber(group, "lr", where),
      groupNumber(group, "alpha", where),
      groupNumber(group, "eps", where),
      groupNumber(group, "weight_decay", where),
      groupNumber(group, "momentum", where),
      group.centered === true,
      group.maximize === true,
    );
  }
}
