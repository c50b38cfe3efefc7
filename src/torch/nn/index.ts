// torch.nn: modules, layers, parameters, nn.init and nn.functional.
//
// Usage (PyTorch's, with two TypeScript differences):
//   class Net extends nn.Module {
//     model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
//     override forward(x: Tensor): Tensor { return this.model.call(x); }
//   }
//   const y = new Net().call(x);        // 1. `module.call(x)` is PyTorch's `module(x)` (objects are not callable)
//   this.registerBuffer("stats", t);    // 2. submodules and Parameters register by assignment; buffers, being
//                                       //    plain tensors, through registerBuffer (see module.ts)
// Modules own their parameters and buffers (exempt from torch.tidy); free them with module.dispose().

export * as init from "../ops/init.js";
export * as functional from "../ops/nn.js";
export * from "./activation.js";
export * from "./container.js";
export * from "./conv.js";
export * from "./dropout.js";
export * from "./linear.js";
export { countParameters, Module, type ModuleTarget, type ParameterCounts } from "./module.js";
export * from "./normalization.js";
export { emptyParameter, Parameter } from "./parameter.js";
export * from "./sparse.js";
export { type LoadStateDictResult, StateDictError, type StateDictInput } from "./state-dict.js";
