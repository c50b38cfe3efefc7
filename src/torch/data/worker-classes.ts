// Kiln's own classes that a dataset sent to DataLoader worker threads may hold, by a stable name: both threads
// import this module, so no registration (and no import-time side effect) is needed for them.
import * as transforms from "../transforms/index.js";
import { Subset, TensorDataset } from "./dataset.js";

// biome-ignore lint/suspicious/noExplicitAny: classes with any constructor.
type AnyClass = abstract new (...args: any[]) => unknown;

let table: Readonly<Record<string, AnyClass>> | null = null;

/** Kiln's data classes that workers rebuild by name: the datasets and the transforms. */
export function kilnWorkerClasses(): Readonly<Record<string, AnyClass>> {
  table ??= Object.freeze({
    TensorDataset,
    Subset,
    Compose: transforms.Compose,
    RandomCrop: transforms.RandomCrop,
    RandomHorizontalFlip: transforms.RandomHorizontalFlip,
    RandomVerticalFlip: transforms.RandomVerticalFlip,
    ToImage: transforms.ToImage,
    ToDtype: transforms.ToDtype,
    Normalize: transforms.Normalize,
  });
  return table;
}
