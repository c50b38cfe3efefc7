// torch.use_deterministic_algorithms: a process-wide switch that makes ops with a nondeterministic kernel
// either use a deterministic one or fail (or only warn, with warnOnly); and torch.backends.cudnn.benchmark, the
// other flag Lightning's _set_torch_flags sets.
import { native } from "./native.js";
import "./amp/native-ops.js";

/** Sets whether ops must use deterministic algorithms; `warnOnly` warns instead of failing where none exists. */
export function useDeterministicAlgorithms(mode: boolean, options: { warnOnly?: boolean } = {}): void {
  native().useDeterministicAlgorithms(mode, options.warnOnly ?? false);
}

/** Whether deterministic algorithms are required (torch.are_deterministic_algorithms_enabled). */
export function areDeterministicAlgorithmsEnabled(): boolean {
  return native().deterministicAlgorithmsState().enabled;
}

/** Whether the deterministic mode only warns (torch.is_deterministic_algorithms_warn_only_enabled). */
export function isDeterministicAlgorithmsWarnOnlyEnabled(): boolean {
  return native().deterministicAlgorithmsState().warnOnly;
}

/** torch.backends.cudnn.benchmark: lets cuDNN time its algorithms per input shape and keep the fastest. */
export const cudnn = {
  get benchmark(): boolean {
    return native().cudnnBenchmark();
  },
  set benchmark(mode: boolean) {
    native().setCudnnBenchmark(mode);
  },
};
