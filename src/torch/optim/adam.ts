/** Adam and AdamW: PyTorch's torch.optim.Adam / AdamW (2.13), with amsgrad, maximize and weight decay. */
import type { Handle } from "../native.js";
import { native } from "../native.js";
import { type CreatedState, groupNumber, Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import {
  CAPTURABLE,
  DIFFERENTIABLE,
  FOREACH,
  FUSED,
  nonNegative,
  type OptionSpec,
  readOptions,
} from "./options.js";

declare module "../native.js" {
  interface NativeAddon {
    adamStep(
      params: Handle[],
      stateTensors: Handle[],
      layout: Int32Array,
      lr: number,
      beta1: number,
      beta2: number,
      eps: number,
      weightDecay: number,
      amsgrad: boolean,
      maximize: boolean,
      decoupledWeightDecay: boolean,
      fused?: boolean,
    ): CreatedState;
    /** "avx2" when adamStep updates float32 CPU parameters in one fused pass (native/adam_kernel.cc), else "aten". */
    adamKernel(): "avx2" | "aten";
  }
}

/** Adam's options (PyTorch's keyword names and defaults; AdamW's weight_decay defaults to 1e-2). */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
  maximize: boolean;
  foreach: boolean | null;
  capturable: boolean;
  differentiable: boolean;
  fused: boolean | null;
  /** True for AdamW: weight decay shrinks the parameters instead of adding to the gradient. */
  decoupled_weight_decay: boolean;
}

/** AdamW takes Adam's options except the decoupling switch, which is always on. */
export type AdamWOptions = Omit<AdamOptions, "decoupled_weight_decay">;

/** A param group of Adam or AdamW. */
export interface AdamParamGroup extends ParamGroup, AdamOptions {}

const betaInRange = (value: number[]) => {
  for (const i of [0, 1]) {
    if (!(0 <= value[i]! && value[i]! < 1)) return `Invalid beta parameter at index ${i}: ${value[i]}`;
  }
  return undefined;
};

function adamSpecs(weightDecay: number, decoupled: boolean): OptionSpec[] {
  return [
    { key: "lr", type: "number", default: 1e-3, check: nonNegative("learning rate") },
    { key: "betas", type: "betas", default: [0.9, 0.999], check: betaInRange },
    { key: "eps", type: "number", default: 1e-8, check: nonNegative("epsilon value") },
    { key: "weight_decay", type: "number", default: weightDecay, check: nonNegative("weight_decay value") },
    { key: "amsgrad", type: "boolean", default: false },
    { key: "maximize", type: "boolean", default: false },
    FOREACH,
    CAPTURABLE,
    DIFFERENTIABLE,
    FUSED,
    { key: "decoupled_weight_decay", type: "boolean", default: decoupled, settable: !decoupled },
  ];
}

const ADAM_SPECS = adamSpecs(0, false);
const ADAMW_SPECS = adamSpecs(1e-2, true);

/** Adam; state per parameter: `step`, `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq` with amsgrad). */
export class Adam extends Optimizer<AdamParamGroup, AdamOptions> {
  /** Class name and option table; AdamW overrides it (read through `new.target`, so subclasses pick theirs). */
  protected static variant: { className: string; specs: readonly OptionSpec[] } = {
    className: "Adam",
    specs: ADAM_SPECS,
  };
  /**
   * Whether the native step may update float32 CPU parameters in its fused pass (the same bits as the
   * op-by-op path, several times faster); false keeps every parameter on the op-by-op path.
   */
  protected fusedKernel = true;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const { className, specs } = (new.target as typeof Adam).variant;
    const defaults = readOptions(className, options, specs) as unknown as AdamOptions;
    super(className, params, defaults, specs, ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
  }

  protected nativeStep(
    group: AdamParamGroup,
    params: Handle[],
    stateTensors: Handle[],
    layout: Int32Array,
    where: string,
  ): CreatedState {
    const betas = group.betas;
    if (!Array.isArray(betas) || betas.length !== 2)
      throw new TypeError(`${where}: 'betas' must be [beta1, beta2]`);
    return native().adamStep(
      params,
      stateTensors,
      layout,
      groupNumber(group, "lr", where),
      groupNumber(betas, "0", where),
      groupNumber(betas, "1", where),
      groupNumber(group, "eps", where),
      groupNumber(group, "weight_decay", where),
      group.amsgrad === true,
      group.maximize === true,
      group.decoupled_weight_decay === true,
      this.fusedKernel,
    );
  }
}

/** AdamW: Adam with decoupled weight decay (default 1e-2), as PyTorch 2.13 defines it. */
export class AdamW extends Adam {
  protected static override variant = { className: "AdamW", specs: ADAMW_SPECS };

  constructor(params: ParamsInput<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    super(params as ParamsInput<AdamOptions>, options);
  }
}
