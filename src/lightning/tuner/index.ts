/** Lightning's tuner: the learning-rate finder and the batch-size finder. */
export { MemoryLimitError, type ScaleBatchSizeOptions, scaleBatchSize } from "./batch-size-scaling.js";
export { LRFinder, type LRFindOptions, lrFind } from "./lr-finder.js";
export { type LRFinderMode, LRFinderScheduler } from "./lr-finder-schedulers.js";
export { Tuner } from "./tuner.js";
