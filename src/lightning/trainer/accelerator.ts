// Accelerator, devices and precision: which device the module and batches go to, and which precisions Kiln
// can honour there. Unsupported combinations fail at Trainer construction with the flag and the fix.
import { cuda, setNumThreads } from "../../torch/runtime.js";
import type { ResolvedTrainerOptions } from "./options.js";

/** The device a run uses: `"cpu"` or `"cuda:N"`. */
export interface DeviceChoice {
  accelerator: "cpu" | "cuda";
  device: string;
}

/** Resolves accelerator + devices to one device (Kiln runs on a single device). */
export function resolveDevice(options: ResolvedTrainerOptions): DeviceChoice {
  const accel = options.accelerator.toLowerCase();
  if (!["cpu", "gpu", "cuda", "auto"].includes(accel)) {
    throw new Error(
      `Trainer(accelerator=${JSON.stringify(options.accelerator)}) is not supported. Use "cpu", "gpu", "cuda" or "auto".`,
    );
  }
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

/** Checks that the precision can run on the chosen device; Kiln has no autocast yet, so mixed precision fails. */
export function checkPrecision(options: ResolvedTrainerOptions, device: DeviceChoice): void {
  const p = options.precision;
  if (p === "32-true" || p === "64-true") return;
  if (p === "16-mixed" && device.accelerator === "cpu") {
    throw new Error(
      'Trainer(precision="16-mixed") is not supported on the CPU (float16 autocast needs a GPU). ' +
        'Use precision: "32-true", or "bf16-mixed" on a GPU.',
    );
  }
  throw new Error(
    `Trainer(precision=${JSON.stringify(p)}) needs autocast, which Kiln does not implement yet on ${device.device}. ` +
      'Use precision: "32-true".',
  );
}

/** Applies num_threads (libtorch's intra-op threads) when set. */
export function applyThreads(options: ResolvedTrainerOptions): void {
  if (options.numThreads !== null) {
    if (!Number.isInteger(options.numThreads) || options.numThreads < 1) {
      throw new RangeError(`Trainer(num_threads=${options.numThreads}): must be an integer >= 1`);
    }
    setNumThreads(options.numThreads);
  }
}
