/** The data pipeline (PyTorch's torch.utils.data): datasets, random splits, the DataLoader and IDX files. */
export { type Collated, defaultCollate } from "./collate.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { Dataset, Subset, TensorDataset } from "./dataset.js";
export { type IdxData, type IdxDType, IdxFormatError, parseIdx, readIdx } from "./idx.js";
export { parseIdxTensor, readIdxTensor } from "./idx-tensor.js";
export { randomSplit } from "./random-split.js";
export { getWorkerInfo, type WorkerInfo } from "./worker-info.js";
export { registerForWorkers } from "./worker-pack.js";
export { WorkerError } from "./worker-pool.js";
