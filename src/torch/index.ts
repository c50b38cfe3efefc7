// The public torch namespace: `import { torch } from "kiln"`. Loading this module does not load libtorch;
// the addon loads on the first tensor operation.

export * as amp from "./amp/index.js";
export { autocast, getAutocastDtype, isAutocastEnabled } from "./amp/index.js";
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "./autograd.js";
export type { NestedArray } from "./convert.js";
export * from "./creation.js";
export * as data from "./data/index.js";
export {
  areDeterministicAlgorithmsEnabled,
  isDeterministicAlgorithmsWarnOnlyEnabled,
  useDeterministicAlgorithms,
} from "./deterministic.js";
export * as distributed from "./distributed/index.js";
export type { Device, DType, TensorOptions } from "./dtype.js";
export {
  bfloat16,
  bool,
  double,
  float,
  float16,
  float32,
  float64,
  half,
  int32,
  int64,
  isFloatingDtype,
  long,
  uint8,
} from "./dtype.js";
export { TorchError } from "./errors.js";
export { Generator, getRngState, setRngState } from "./generator.js";
export type { NativeTypedArray, Scalar } from "./native.js";
export * as nn from "./nn/index.js";
// Op families: each file adds its functions here and its methods to Tensor (see native/README.md).
export * from "./ops/indexing.js";
export * from "./ops/math.js";
export * from "./ops/nn.js";
export * from "./ops/reduce.js";
export * from "./ops/shape.js";
export * as optim from "./optim/index.js";
export {
  allocatorInfo,
  buildInfo,
  cuda,
  getNumInteropThreads,
  getNumThreads,
  manualSeed,
  memoryStats,
  setNumInteropThreads,
  setNumThreads,
} from "./runtime.js";
export { keep, tidy } from "./scope.js";
export { load, loadFromBuffer, save, saveToBuffer } from "./serialization-adapter.js";
export { Tensor, type TensorLike } from "./tensor.js";
export * as transforms from "./transforms/index.js";
