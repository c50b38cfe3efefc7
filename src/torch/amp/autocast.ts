// torch.autocast as a scope: `autocast("cpu", { dtype: "bfloat16" }, () => model.forward(x))` runs the callback
// with autocast on and restores the previous state afterwards, even when the callback throws (PyTorch's
// autocast.__enter__/__exit__ in torch/amp/autocast_mode.py).
import type { DType } from "../dtype.js";
import { native } from "../native.js";
import { cuda } from "../runtime.js";
import "./native-ops.js";

/** Options of torch.autocast (PyTorch's keyword names in camelCase). */
export interface AutocastOptions {
  /** The lower-precision dtype (default: the device's autocast dtype, bfloat16 on CPU, float16 on CUDA). */
  dtype?: DType;
  /** Whether autocast is on inside the scope (default true; false turns it off inside an outer scope). */
  enabled?: boolean;
  /** Whether casts of weights are cached inside the scope (default: the current setting, true). */
  cacheEnabled?: boolean;
}

const SUPPORTED_DTYPES: readonly DType[] = ["bfloat16", "float16"];

/** Runs `fn` under autocast for `deviceType` ("cpu" or "cuda"); the previous autocast state comes back after. */
export function autocast<T>(deviceType: string, fn: () => T): T;
export function autocast<T>(deviceType: string, options: AutocastOptions, fn: () => T): T;
export function autocast<T>(deviceType: string, a: AutocastOptions | (() => T), b?: () => T): T {
  const options = typeof a === "function" ? {} : a;
  const fn = typeof a === "function" ? a : b;
  if (typeof fn !== "function")
    throw new TypeError("torch.autocast(deviceType, options, fn): fn must be a function");
  const { dtype, enabled, cacheEnabled } = resolveAutocast(deviceType, options);
  const addon = native();
  const previous = addon.autocastEnter(deviceType, dtype, enabled, cacheEnabled);
  let result: T;
  try {
    result = fn();
  } finally {
    addon.autocastExit(deviceType, previous.enabled, previous.dtype, previous.cacheEnabled);
  }
  if (result instanceof Promise) {
    // The state is thread-local and restored already: code after an await would run without autocast.
    throw new TypeError(
      "torch.autocast(deviceType, options, fn): fn returned a Promise; autocast scopes are synchronous (await outside them)",
    );
  }
  return result;
}

// PyTorch's autocast.__init__ checks: unknown device types fail, unsupported dtypes and CUDA without a GPU
// warn and disable autocast.
function resolveAutocast(
  deviceType: string,
  options: AutocastOptions,
): { dtype: DType; enabled: boolean; cacheEnabled: boolean } {
  if (deviceType !== "cpu" && deviceType !== "cuda") {
    throw new Error(
      `User specified an unsupported autocast device_type '${deviceType}' (Kiln supports "cpu" and "cuda")`,
    );
  }
  const current = native().autocastState(deviceType);
  const dtype = options.dtype ?? current.dtype;
  let enabled = options.enabled ?? true;
  if (enabled) {
    if (deviceType === "cuda" && !cuda.isAvailable()) {
      process.emitWarning(
        "CUDA is not available or torch_xla is imported. Disabling autocast.",
        "UserWarning",
      );
      enabled = false;
    } else if (deviceType === "cpu" && !SUPPORTED_DTYPES.includes(dtype)) {
      process.emitWarning(
        "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n" +
          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
        "UserWarning",
      );
      enabled = false;
    }
  }
  return { dtype, enabled, cacheEnabled: options.cacheEnabled ?? current.cacheEnabled };
}

/** Whether autocast is on for `deviceType` now (torch.is_autocast_enabled; PyTorch's default device is cuda). */
export function isAutocastEnabled(deviceType = "cuda"): boolean {
  return native().autocastState(deviceType).enabled;
}

/** The dtype autocast casts to on `deviceType` (torch.get_autocast_dtype). */
export function getAutocastDtype(deviceType: string): DType {
  return native().autocastState(deviceType).dtype;
}
