/** Lightning's tuner: the learning-rate finder. */
export { LRFinder, type LRFindOptions, lrFind } from "./lr-finder.js";
export { type LRFinderMode, LRFinderScheduler } from "./lr-finder-schedulers.js";
export { Tuner } from "./tuner.js";
