// The addon's AMP entry points (native/ops_amp.cc), typed for the amp files.
import type { DType } from "../dtype.js";
import type { Handle } from "../native.js";

/** What torch.autocast saves on enter and restores on exit, for one device type. */
export interface AutocastState {
  enabled: boolean;
  dtype: DType;
  cacheEnabled: boolean;
}

declare module "../native.js" {
  interface NativeAddon {
    autocastEnter(deviceType: string, dtype: DType, enabled: boolean, cacheEnabled: boolean): AutocastState;
    autocastExit(deviceType: string, prevEnabled: boolean, prevDtype: DType, prevCacheEnabled: boolean): void;
    autocastState(deviceType: string): AutocastState;
    ampForeachNonFiniteCheckAndUnscale_(grads: Handle[], foundInf: Handle, invScale: Handle): void;
    ampUpdateScale_(
      scale: Handle,
      growthTracker: Handle,
      foundInf: Handle,
      growthFactor: number,
      backoffFactor: number,
      growthInterval: number,
    ): void;
    useDeterministicAlgorithms(mode: boolean, warnOnly: boolean): void;
    deterministicAlgorithmsState(): { enabled: boolean; warnOnly: boolean };
    setCudnnBenchmark(mode: boolean): void;
    cudnnBenchmark(): boolean;
  }
}
