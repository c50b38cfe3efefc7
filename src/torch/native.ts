// The only importer of the native addon. It is loaded lazily, on first use, so that importing the config layer
// (or `--help`) never maps the 400 MB libtorch (docs/ARCHITECTURE.md, "Layers").
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import type { DType } from "./dtype.js";
import { TorchError } from "./errors.js";
import { checkThreadVariables } from "./thread-limits.js";

declare const handleBrand: unique symbol;
/** Opaque reference to a native tensor (a JS external owning one at::Tensor). */
export type Handle = { readonly [handleBrand]: true };
/** A JS value the native layer reads as a Python scalar (integral numbers act as ints). */
export type Scalar = number | boolean | bigint;
/** A JS typed array the native layer can copy from or into. */
export type NativeTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array;

/**
 * The addon's functions. Op families extend it with module augmentation in their own files:
 * `declare module "../native.js" { interface NativeAddon { add(a: Handle, b: Handle | Scalar): Handle } }`.
 */
export interface NativeAddon {
  init(errorClass: typeof TorchError): void;
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  stats(): { liveTensors: number; nativeBytes: number };
  allocatorInfo(): { mode: string };

  fromTypedArray(data: NativeTypedArray, shape: number[], dtype?: DType, device?: string): Handle;
  fromTypedArrayShared(data: NativeTypedArray, shape: number[]): Handle;
  toTypedArray(h: Handle): NativeTypedArray;
  item(h: Handle): number | boolean;
  shape(h: Handle): number[];
  dtype(h: Handle): DType;
  device(h: Handle): string;
  numel(h: Handle): number;
  dim(h: Handle): number;
  to(h: Handle, dtype?: DType, device?: string, copy?: boolean): Handle;
  pinMemory(h: Handle): Handle;
  isPinned(h: Handle): boolean;

  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, value: boolean): void;
  isLeaf(h: Handle): boolean;
  backward(h: Handle, gradient?: Handle, retainGraph?: boolean, createGraph?: boolean): void;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, grad: Handle | null): void;
  zeroGrad(h: Handle): void;
  retainGrad(h: Handle): void;
  detach(h: Handle): Handle;
  detach_(h: Handle): void;
  isGradEnabled(): boolean;
  setGradEnabled(enabled: boolean): boolean;

  zeros(shape: number[], dtype?: DType, device?: string): Handle;
  ones(shape: number[], dtype?: DType, device?: string): Handle;
  empty(shape: number[], dtype?: DType, device?: string): Handle;
  rand(shape: number[], dtype?: DType, device?: string): Handle;
  randn(shape: number[], dtype?: DType, device?: string): Handle;
  full(shape: number[], value: Scalar, dtype?: DType, device?: string): Handle;
  arange(start: number, end: number, step: number, dtype?: DType, device?: string): Handle;
  linspace(start: number, end: number, steps: number, dtype?: DType, device?: string): Handle;
  eye(n: number, m?: number, dtype?: DType, device?: string): Handle;
  randint(low: number, high: number, shape: number[], dtype?: DType, device?: string): Handle;
  randperm(n: number, dtype?: DType, device?: string): Handle;
  zerosLike(h: Handle, dtype?: DType, device?: string): Handle;
  onesLike(h: Handle, dtype?: DType, device?: string): Handle;
  emptyLike(h: Handle, dtype?: DType, device?: string): Handle;
  randLike(h: Handle, dtype?: DType, device?: string): Handle;
  randnLike(h: Handle, dtype?: DType, device?: string): Handle;
  fullLike(h: Handle, value: Scalar, dtype?: DType, device?: string): Handle;
  randintLike(h: Handle, low: number, high: number, dtype?: DType, device?: string): Handle;

  manualSeed(seed: number): void;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  getNumInteropThreads(): number;
  setNumInteropThreads(n: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(index?: number): void;
  buildInfo(): { torchVersion: string; cuda: boolean };
}

const addonPath = join(packageRoot(import.meta.url), "build", "Release", "kiln_native.node");
let addon: NativeAddon | undefined;

/** The loaded addon (loads it on the first call). */
export function native(): NativeAddon {
  return addon ?? load();
}

/** Whether the addon has been loaded yet (tests check that the config layer never loads it). */
export function isNativeLoaded(): boolean {
  return addon !== undefined;
}

function load(): NativeAddon {
  const path = process.env.KILN_NATIVE_ADDON || addonPath;
  if (!existsSync(path)) {
    throw new Error(
      `Kiln's native addon is not built (${path} is missing): run \`npm install\`, or ` +
        "`node scripts/fetch-libtorch.mjs && npx cmake-js compile --out build` in the kiln folder",
    );
  }
  // Before libgomp loads: it reads OMP_NUM_THREADS then, and libtorch's pools get KILN_NUM_THREADS below.
  const threads = checkThreadVariables();
  // Copied into a plain object: the addon's exports object holds ~240 functions in dictionary mode, and every
  // `native().op` lookup through it was a hash probe; a spread copy has fast properties (measured ~10-20 ns/call).
  const loaded = { ...(createRequire(import.meta.url)(path) as NativeAddon) };
  loaded.init(TorchError);
  if (threads !== null) applyThreadSetting(loaded, threads);
  addon = loaded;
  return loaded;
}

// KILN_NUM_THREADS pins both libtorch pools; more threads than cores oversubscribe (docs/ARCHITECTURE.md, "Facts").
function applyThreadSetting(a: NativeAddon, n: number): void {
  a.setNumThreads(n);
  try {
    a.setNumInteropThreads(n);
  } catch (e) {
    // The interop pool is process-wide and set once: a Node worker thread loading Kiln finds it set already.
    if (a.getNumInteropThreads() !== n) throw e;
  }
}
