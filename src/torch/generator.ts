// torch.Generator and the random draws that take one. A CPU generator is ATen's mt19937 (CPUGeneratorImpl), so
// the same seed gives the same permutations and samples as PyTorch's torch.Generator on the CPU.
import type { Device, DType } from "./dtype.js";
import { type Handle, native } from "./native.js";
import { type Tensor, wrap } from "./tensor.js";

declare const generatorBrand: unique symbol;
/** Opaque reference to a native at::Generator (freed by the GC: it holds no tensor memory). */
export type GeneratorHandle = { readonly [generatorBrand]: true };

declare module "./native.js" {
  interface NativeAddon {
    generatorNew(device?: string): GeneratorHandle;
    generatorManualSeed(g: GeneratorHandle, seed: number | bigint): void;
    generatorInitialSeed(g: GeneratorHandle): number | bigint;
    generatorSeed(g: GeneratorHandle): number;
    generatorGetState(g: GeneratorHandle): Handle;
    generatorSetState(g: GeneratorHandle, state: Handle): void;
    generatorDevice(g: GeneratorHandle): string;
    randpermGen(n: number, g?: GeneratorHandle, dtype?: DType, device?: string): Handle;
    randGen(shape: number[], g?: GeneratorHandle, dtype?: DType, device?: string): Handle;
    randnGen(shape: number[], g?: GeneratorHandle, dtype?: DType, device?: string): Handle;
    randintGen(
      low: number,
      high: number,
      shape: number[],
      g?: GeneratorHandle,
      dtype?: DType,
      device?: string,
    ): Handle;
    drawSeed(g?: GeneratorHandle): bigint;
    getRngState(device?: string): Handle;
    setRngState(state: Handle, device?: string): void;
  }
}

/**
 * A random number generator (PyTorch's torch.Generator). Starts with PyTorch's default seed; seed it with
 * manualSeed() for reproducible shuffles, splits and samples.
 */
export class Generator {
  /** The native generator; pass it to native() functions. */
  readonly handle: GeneratorHandle;

  /** A generator on `device` ("cpu" by default, or "cuda[:N]" where CUDA is available). */
  constructor(device: Device | string = "cpu") {
    this.handle = native().generatorNew(device);
  }

  /** Seeds the generator (any integer in [-2^63, 2^64); bigint beyond 2^53) and returns it, as PyTorch does. */
  manualSeed(seed: number | bigint): this {
    native().generatorManualSeed(this.handle, seed);
    return this;
  }

  /** The seed it was last seeded with (a bigint only for seeds above 2^53). */
  initialSeed(): number | bigint {
    return native().generatorInitialSeed(this.handle);
  }

  /** Reseeds from a nondeterministic source and returns the new seed (below 2^53, so always a number). */
  seed(): number {
    return native().generatorSeed(this.handle);
  }

  /** The whole state as a uint8 tensor (for checkpoints); the caller owns it. */
  getState(): Tensor {
    return wrap(native().generatorGetState(this.handle));
  }

  /** Restores a state from getState() and returns the generator. */
  setState(state: Tensor): this {
    native().generatorSetState(this.handle, state.handle);
    return this;
  }

  /** The device it generates for ("cpu", "cuda:0"). */
  get device(): string {
    return native().generatorDevice(this.handle);
  }
}

/** Options of the generator-aware random factories. */
export interface RandomOptions {
  dtype?: DType;
  device?: Device | string;
  /** Draw from this generator instead of the global one. */
  generator?: Generator;
}

type Shape = number[] | number;
const dims = (shape: Shape): number[] => (typeof shape === "number" ? [shape] : shape);

/** A random permutation of 0..n-1 (int64), drawn from `opts.generator` or the global generator. */
export function randpermWith(n: number, opts: RandomOptions = {}): Tensor {
  return wrap(native().randpermGen(n, opts.generator?.handle, opts.dtype, opts.device));
}

/** Uniform [0, 1), drawn from `opts.generator` or the global generator. */
export function randWith(shape: Shape, opts: RandomOptions = {}): Tensor {
  return wrap(native().randGen(dims(shape), opts.generator?.handle, opts.dtype, opts.device));
}

/** Standard normal, drawn from `opts.generator` or the global generator. */
export function randnWith(shape: Shape, opts: RandomOptions = {}): Tensor {
  return wrap(native().randnGen(dims(shape), opts.generator?.handle, opts.dtype, opts.device));
}

/** Uniform integers in [low, high) (int64 unless a dtype is given), from `opts.generator` or the global one. */
export function randintWith(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  return wrap(native().randintGen(low, high, dims(shape), opts.generator?.handle, opts.dtype, opts.device));
}

/**
 * PyTorch's `torch.empty((), dtype=torch.int64).random_(generator=g)`: the seed draw DataLoader and
 * RandomSampler make, replayed so that shuffles advance the generators exactly as PyTorch's do.
 */
export function drawSeed(generator?: Generator): bigint {
  return native().drawSeed(generator?.handle);
}

/** The global CPU generator's state (torch.get_rng_state()), or a GPU's with device "cuda[:N]"; caller owns it. */
export function getRngState(device?: string): Tensor {
  return wrap(native().getRngState(device));
}

/** Restores the global CPU generator's state (torch.set_rng_state()), or a GPU's with device "cuda[:N]". */
export function setRngState(state: Tensor, device?: string): void {
  native().setRngState(state.handle, device);
}
