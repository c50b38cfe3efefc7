// Lightning 2.6's accelerator names (its AcceleratorRegistry: cpu, cuda, mps, tpu) and the errors its accelerator
// connector raises for a name it does not know or an accelerator this machine cannot run. Kiln runs on libtorch's
// CPU and CUDA devices only: "mps" (Apple's Metal) and "tpu" (XLA) are known names that are never available here.
import { pyReprString } from "../common/pyrepr.js";
import { MisconfigurationError } from "./callbacks/options.js";

/** Lightning's registered accelerator names with their classes, in a fixed order (Lightning lists a set). */
const REGISTERED: Readonly<Record<string, string>> = {
  cpu: "CPUAccelerator",
  cuda: "CUDAAccelerator",
  mps: "MPSAccelerator",
  tpu: "XLAAccelerator",
};

/**
 * Lightning's checks of the `accelerator` flag before a device is chosen: a name outside the registry (and not
 * "auto" or "gpu", e.g. Lightning 1.x's "hpu" and "ipu") is a ValueError listing the names; "mps" and "tpu" are
 * Lightning's MisconfigurationException naming the accelerator class and the accelerators that are available.
 */
export function checkAcceleratorName(accelerator: string, cudaAvailable: () => boolean): void {
  if (accelerator === "auto" || accelerator === "gpu") return;
  if (!(accelerator in REGISTERED)) {
    throw new Error(
      `You selected an invalid accelerator name: \`accelerator=${pyReprString(accelerator)}\`. ` +
        `Available names are: auto, ${Object.keys(REGISTERED).join(", ")}.`,
    );
  }
  if (accelerator === "mps" || accelerator === "tpu") {
    const available = cudaAvailable() ? ["cpu", "cuda"] : ["cpu"];
    throw new MisconfigurationError(
      `\`${REGISTERED[accelerator]}\` can not run on your system since the accelerator is not available. ` +
        "The following accelerator(s) is available and can be passed into `accelerator` argument of " +
        `\`Trainer\`: [${available.map(pyReprString).join(", ")}].`,
    );
  }
}
