// Accelerator, devices and precision: which device the module and batches go to, which precision runs there
// (Lightning's AcceleratorConnector), and the process-wide torch flags. Unsupported combinations fail at
// Trainer construction with the flag and the fix.

import { OptionValueError } from "../../config/instantiate/check-options.js";
import { cudnn, useDeterministicAlgorithms } from "../../torch/deterministic.js";
import { cuda, setNumThreads } from "../../torch/runtime.js";
import { checkThreadCount } from "../../torch/thread-limits.js";
import { checkAcceleratorName } from "../accelerator-registry.js";
import { emitInfo, emitWarning } from "../callbacks/messages.js";
import type { ResolvedTrainerOptions } from "./options.js";
import { effectivePrecision } from "./precision.js";

/** The device a run uses: `"cpu"` or `"cuda:N"`. */
export interface DeviceChoice {
  accelerator: "cpu" | "cuda";
  device: string;
}

/** Resolves accelerator + devices to one device (Kiln runs on a single device). */
export function resolveDevice(options: ResolvedTrainerOptions): DeviceChoice {
  const accel = options.accelerator.toLowerCase();
  checkAcceleratorName(accel, safeCudaAvailable);
  const gpuAvailable = accel === "cpu" ? false : safeCudaAvailable();
  if ((accel === "gpu" || accel === "cuda") && !gpuAvailable) {
    throw new Error(
      `Trainer(accelerator=${JSON.stringify(options.accelerator)}) was requested but no CUDA GPU is available ` +
        "(CPU-only libtorch, or no visible device). Use accelerator: cpu, or auto to pick the GPU when there is one.",
    );
  }
  const useGpu = gpuAvailable && accel !== "cpu";
  const index = deviceIndex(options.devices, useGpu);
  if (!useGpu) return { accelerator: "cpu", device: "cpu" };
  return { accelerator: "cuda", device: `cuda:${index}` };
}

function deviceIndex(devices: number | string | number[], gpu: boolean): number {
  if (devices === "auto" || devices === "1" || devices === 1 || devices === -1 || devices === "-1") return 0;
  if (Array.isArray(devices)) {
    if (devices.length !== 1) {
      throw new Error(
        `Trainer(devices=[${devices.join(", ")}]): Kiln trains on one device; list exactly one index.`,
      );
    }
    return devices[0]!;
  }
  if (typeof devices === "string" && /^\d+,?$/.test(devices) && devices.endsWith(","))
    return Number(devices.slice(0, -1));
  const n = Number(devices);
  // Several CPU devices are several processes: the DDP strategy (strategy.ts) runs them.
  if (Number.isInteger(n) && n > 1 && !gpu) return 0;
  if (Number.isInteger(n) && n > 1) {
    throw new Error(
      `Trainer(devices=${devices}) asks for ${n} devices, but Kiln trains on a single device (no distributed ` +
        "strategy). Use devices: 1.",
    );
  }
  if (!gpu && n === 0) return 0;
  throw new Error(
    `Trainer(devices=${JSON.stringify(devices)}) is not a valid device setting; use 1, "auto" or [index].`,
  );
}

function safeCudaAvailable(): boolean {
  try {
    return cuda.isAvailable();
  } catch {
    return false;
  }
}

/**
 * Checks the precision against the device, as Lightning's AcceleratorConnector does at Trainer construction:
 * "16-mixed" on the CPU warns and runs as "bf16-mixed"; mixed precision logs which AMP it uses.
 */
export function checkPrecision(options: ResolvedTrainerOptions, device: DeviceChoice): void {
  const p = options.precision;
  if (p === "16-mixed" && device.accelerator === "cpu") {
    emitWarning(
      "You passed `Trainer(accelerator='cpu', precision='16-mixed')` but AMP with fp16 is not supported on " +
        "CPU. Using `precision='bf16-mixed'` instead.",
    );
  }
  const effective = effectivePrecision(options, device);
  if (effective === "16-mixed" || effective === "bf16-mixed") {
    emitInfo(`Using ${effective === "16-mixed" ? "16bit" : "bfloat16"} Automatic Mixed Precision (AMP)`);
  }
}

/**
 * Applies the process-wide torch settings of the flags: num_threads (libtorch's intra-op threads) and
 * deterministic (Lightning's _set_torch_flags).
 */
export function applyThreads(options: ResolvedTrainerOptions): void {
  applyBenchmark(options.deterministic, options.benchmark);
  applyDeterministic(options.deterministic);
  if (options.numThreads !== null) {
    try {
      setNumThreads(checkThreadCount(options.numThreads, "Trainer(num_threads)"));
    } catch (err) {
      throw err instanceof RangeError ? new OptionValueError("num_threads", err.message) : err;
    }
  }
}

/**
 * Lightning's _set_torch_flags for benchmark: torch.backends.cudnn.benchmark is set when given (false when
 * deterministic and not given). It is process-wide and only cuDNN (CUDA convolutions) reads it, so on the CPU it
 * is recorded and changes nothing, as in Lightning.
 */
function applyBenchmark(deterministic: boolean | "warn" | null, benchmark: boolean | null): void {
  let mode = benchmark;
  if (deterministic) {
    if (mode === null) mode = false;
    else if (mode) {
      emitWarning(
        "You passed `deterministic=True` and `benchmark=True`. Note that PyTorch ignores " +
          "torch.backends.cudnn.deterministic=True when torch.backends.cudnn.benchmark=True.",
      );
    }
  }
  if (mode !== null) cudnn.benchmark = mode;
}

/**
 * Lightning's _set_torch_flags: true/"warn" require deterministic algorithms (warn only for "warn"), an explicit
 * false turns the requirement off, null leaves torch alone; when on, cuBLAS gets a fixed workspace so its
 * results are reproducible.
 */
function applyDeterministic(deterministic: boolean | "warn" | null): void {
  if (deterministic !== null && typeof deterministic !== "boolean" && deterministic !== "warn") {
    throw new TypeError(
      `Trainer(deterministic=${JSON.stringify(deterministic)}): expected true, false, "warn" or null`,
    );
  }
  if (deterministic === "warn") useDeterministicAlgorithms(true, { warnOnly: true });
  else if (typeof deterministic === "boolean") useDeterministicAlgorithms(deterministic);
  // https://docs.nvidia.com/cuda/cublas/index.html#cublasApi_reproducibility
  if (deterministic) process.env.CUBLAS_WORKSPACE_CONFIG = ":4096:8";
}
