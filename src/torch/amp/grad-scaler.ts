// torch.amp.GradScaler (PyTorch 2.13): scales the loss so that float16 gradients do not underflow, unscales
// the gradients before the optimizer step, skips steps whose gradients hold inf/NaN and adapts the scale.
// The scale and growth tracker live in tensors on the device of the first scaled loss, updated by libtorch's
// fused kernels, as in PyTorch.
import { PyFloat } from "../../common/pyvalue.js";
import { noGrad } from "../autograd.js";
import { full } from "../creation.js";
import { native } from "../native.js";
import { keep, tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import "./native-ops.js";
import "../ops/math.js";
import "../ops/shape.js";

/** What the scaler needs from an optimizer: its param groups (for the gradients) and step(). */
export interface ScalableOptimizer {
  readonly paramGroups: readonly { params?: readonly Tensor[] }[];
  step(...args: never[]): unknown;
}

/** GradScaler's options (PyTorch's keyword names and defaults). */
export interface GradScalerOptions {
  init_scale?: number;
  growth_factor?: number;
  backoff_factor?: number;
  growth_interval?: number;
  enabled?: boolean;
}

/** The scaler's state_dict, with PyTorch's keys (floats stay Python floats when saved). */
export interface GradScalerStateDict {
  scale: number | PyFloat;
  growth_factor: number | PyFloat;
  backoff_factor: number | PyFloat;
  growth_interval: number;
  _growth_tracker: number;
}

type Stage = "ready" | "unscaled" | "stepped";

interface OptimizerState {
  stage: Stage;
  /** found_inf per device (1.0 when that device's gradients held inf/NaN); owned by the scaler. */
  foundInfPerDevice: Map<string, Tensor>;
}

const num = (v: number | PyFloat): number => (v instanceof PyFloat ? v.value : v);

/** Dynamic loss scaling for mixed-precision training (PyTorch's torch.amp.GradScaler). */
export class GradScaler {
  readonly device: string;
  #enabled: boolean;
  #initScale: number;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  #initGrowthTracker = 0;
  #scale: Tensor | null = null;
  #growthTracker: Tensor | null = null;
  #perOptimizer = new Map<object, OptimizerState>();

  /** `device` is the device type of the gradients ("cuda" as in PyTorch, or "cpu"). */
  constructor(device = "cuda", options: GradScalerOptions = {}) {
    this.device = device;
    this.#enabled = options.enabled ?? true;
    if (device === "cuda" && this.#enabled && !cudaAvailable()) {
      process.emitWarning(
        "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
        "UserWarning",
      );
      this.#enabled = false;
    }
    this.#initScale = options.init_scale ?? 2 ** 16;
    this.#growthFactor = options.growth_factor ?? 2.0;
    this.#backoffFactor = options.backoff_factor ?? 0.5;
    this.#growthInterval = options.growth_interval ?? 2000;
    if (this.#enabled) {
      if (this.#growthFactor <= 1.0) throw new RangeError("The growth factor must be > 1.0.");
      if (this.#backoffFactor >= 1.0) throw new RangeError("The backoff factor must be < 1.0.");
    }
  }

  /** Whether this scaler does anything (a disabled one passes everything through). */
  isEnabled(): boolean {
    return this.#enabled;
  }

  /** `outputs * scale` (each tensor of an array); unchanged when disabled. */
  scale(outputs: Tensor): Tensor;
  scale(outputs: readonly Tensor[]): Tensor[];
  scale(outputs: Tensor | readonly Tensor[]): Tensor | Tensor[] {
    if (!this.#enabled) return Array.isArray(outputs) ? [...outputs] : (outputs as Tensor);
    const list = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
    if (list.length === 0) return [];
    if (this.#scale === null) this.#lazyInit(list[0]!.device);
    const scale = this.#scale!;
    const scaled = list.map((t) =>
      t.device === scale.device ? t.mul(scale) : tidy(() => t.mul(scale.to(t.device))),
    );
    return Array.isArray(outputs) ? scaled : scaled[0]!;
  }

  /** Divides the optimizer's gradients by the scale in place and records whether any held inf/NaN. */
  unscale_(optimizer: ScalableOptimizer): void {
    if (!this.#enabled) return;
    this.#checkInitialized("unscale_");
    const state = this.#state(optimizer);
    if (state.stage === "unscaled") {
      throw new Error("unscale_() has already been called on this optimizer since the last update().");
    }
    if (state.stage === "stepped") throw new Error("unscale_() is being called after step().");
    state.foundInfPerDevice = tidy(() => {
      // PyTorch computes 1/scale in double, then rounds to float32.
      const invScale = this.#scale!.to("float64").reciprocal().to("float32");
      const foundInf = full([], 0.0, { dtype: "float32", device: this.#scale!.device });
      return this.#unscaleGrads(optimizer, invScale, foundInf);
    });
    state.stage = "unscaled";
  }

  /**
   * Unscales (unless unscale_ ran this iteration) and runs `optimizer.step()` when no gradient held inf/NaN;
   * returns what step returned (undefined when skipped).
   */
  step<O extends ScalableOptimizer>(optimizer: O): ReturnType<O["step"]> | undefined {
    const runStep = () => (optimizer as unknown as { step(): ReturnType<O["step"]> }).step();
    if (!this.#enabled) return runStep();
    this.#checkInitialized("step");
    const state = this.#state(optimizer);
    if (state.stage === "stepped") throw new Error("step() has already been called since the last update().");
    if (state.stage === "ready") this.unscale_(optimizer);
    if (state.foundInfPerDevice.size === 0)
      throw new Error("No inf checks were recorded for this optimizer.");
    let found = 0;
    for (const t of state.foundInfPerDevice.values()) found += Number(t.item());
    const result = found === 0 ? runStep() : undefined;
    state.stage = "stepped";
    return result;
  }

  /**
   * Updates the scale: times backoff_factor when a step was skipped, times growth_factor after growth_interval
   * clean steps in a row; `newScale` sets it instead. Call once per iteration, after every step().
   */
  update(newScale?: number | Tensor): void {
    if (!this.#enabled) return;
    this.#checkInitialized("update");
    const scale = this.#scale!;
    if (newScale !== undefined) {
      if (typeof newScale === "number") scale.fill_(newScale);
      else {
        if (newScale.numel() !== 1 || newScale.requiresGrad || deviceType(newScale.device) !== this.device) {
          throw new TypeError(
            "new_scale should be a float or a 1-element torch.cuda.FloatTensor or torch.FloatTensor with requires_grad=False.",
          );
        }
        noGrad(() => scale.copy_(newScale));
      }
    } else {
      const foundInfs = [...this.#perOptimizer.values()].flatMap((s) => [...s.foundInfPerDevice.values()]);
      if (foundInfs.length === 0) throw new Error("No inf checks were recorded prior to update.");
      tidy(() => {
        let combined = foundInfs[0]!.to(scale.device);
        for (const f of foundInfs.slice(1)) combined = combined.add(f.to(scale.device));
        native().ampUpdateScale_(
          scale.handle,
          this.#growthTracker!.handle,
          combined.handle,
          this.#growthFactor,
          this.#backoffFactor,
          this.#growthInterval,
        );
      });
    }
    this.#resetOptimizerStates();
  }

  /** The current scale (init_scale before the first scale(); 1.0 when disabled). */
  getScale(): number {
    if (!this.#enabled) return 1.0;
    return this.#scale === null ? this.#initScale : Number(this.#scale.item());
  }

  getGrowthFactor(): number {
    return this.#growthFactor;
  }
  setGrowthFactor(value: number): void {
    this.#growthFactor = value;
  }
  getBackoffFactor(): number {
    return this.#backoffFactor;
  }
  setBackoffFactor(value: number): void {
    this.#backoffFactor = value;
  }
  getGrowthInterval(): number {
    return this.#growthInterval;
  }
  setGrowthInterval(value: number): void {
    this.#growthInterval = value;
  }

  /** PyTorch's state_dict: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} when disabled). */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.#enabled) return {};
    const tracker =
      this.#growthTracker === null ? this.#initGrowthTracker : Number(this.#growthTracker.item());
    return {
      scale: new PyFloat(this.getScale()),
      growth_factor: new PyFloat(this.#growthFactor),
      backoff_factor: new PyFloat(this.#backoffFactor),
      growth_interval: this.#growthInterval,
      _growth_tracker: tracker,
    };
  }

  /** Loads a stateDict() (no-op when disabled; an empty dict from a disabled scaler is an error). */
  loadStateDict(stateDict: Partial<GradScalerStateDict>): void {
    if (!this.#enabled) return;
    if (Object.keys(stateDict).length === 0) {
      throw new Error(
        "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.",
      );
    }
    for (const key of [
      "scale",
      "growth_factor",
      "backoff_factor",
      "growth_interval",
      "_growth_tracker",
    ] as const) {
      if (stateDict[key] === undefined)
        throw new Error(`GradScaler.loadStateDict: the state dict has no "${key}"`);
    }
    const s = stateDict as GradScalerStateDict;
    this.#initScale = num(s.scale);
    this.#scale?.fill_(this.#initScale);
    this.#growthFactor = num(s.growth_factor);
    this.#backoffFactor = num(s.backoff_factor);
    this.#growthInterval = s.growth_interval;
    this.#initGrowthTracker = s._growth_tracker;
    this.#growthTracker?.fill_(s._growth_tracker);
  }

  /** Frees the scale tensors (the scaler starts again from its current scale if used later). */
  dispose(): void {
    if (this.#enabled && this.#scale !== null) {
      this.#initScale = this.getScale();
      this.#initGrowthTracker = Number(this.#growthTracker!.item());
    }
    this.#resetOptimizerStates();
    this.#scale?.dispose();
    this.#growthTracker?.dispose();
    this.#scale = null;
    this.#growthTracker = null;
  }

  #lazyInit(device: string): void {
    this.#scale = keep(full([], this.#initScale, { dtype: "float32", device }));
    this.#growthTracker = keep(full([], this.#initGrowthTracker, { dtype: "int32", device }));
  }

  #checkInitialized(fn: string): void {
    if (this.#scale === null || this.#growthTracker === null) {
      throw new Error(
        `Attempted ${fn} but _scale is None.  This may indicate your script did not use ` +
          "scaler.scale(loss or outputs) earlier in the iteration.",
      );
    }
  }

  #state(optimizer: object): OptimizerState {
    let state = this.#perOptimizer.get(optimizer);
    if (state === undefined) {
      state = { stage: "ready", foundInfPerDevice: new Map() };
      this.#perOptimizer.set(optimizer, state);
    }
    return state;
  }

  #resetOptimizerStates(): void {
    for (const state of this.#perOptimizer.values())
      for (const t of state.foundInfPerDevice.values()) t.dispose();
    this.#perOptimizer.clear();
  }

  // One fused kernel call per (device, dtype) group of gradients; returns the kept found_inf per device.
  #unscaleGrads(optimizer: ScalableOptimizer, invScale: Tensor, foundInf: Tensor): Map<string, Tensor> {
    const groups = new Map<string, Map<string, Tensor[]>>();
    for (const group of optimizer.paramGroups) {
      for (const param of group.params ?? []) {
        const grad = param.grad;
        if (grad === null) continue;
        if (grad.dtype === "float16") throw new Error("Attempting to unscale FP16 gradients.");
        const byDtype = groups.get(grad.device) ?? new Map<string, Tensor[]>();
        groups.set(grad.device, byDtype);
        const list = byDtype.get(grad.dtype) ?? [];
        list.push(grad);
        byDtype.set(grad.dtype, list);
      }
    }
    const perDevice = new Map<string, Tensor>();
    for (const [device, byDtype] of groups) {
      const found = keep(foundInf.device === device ? foundInf.clone() : foundInf.to(device));
      const inv = invScale.device === device ? invScale : invScale.to(device);
      perDevice.set(device, found);
      for (const grads of byDtype.values()) {
        native().ampForeachNonFiniteCheckAndUnscale_(
          grads.map((g) => g.handle),
          found.handle,
          inv.handle,
        );
      }
    }
    return perDevice;
  }
}

function deviceType(device: string): string {
  const colon = device.indexOf(":");
  return colon === -1 ? device : device.slice(0, colon);
}

function cudaAvailable(): boolean {
  try {
    return native().cudaIsAvailable();
  } catch {
    return false;
  }
}
