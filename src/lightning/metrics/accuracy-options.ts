/**
 * Accuracy's options with torchmetrics' argument names, and the checks torchmetrics' `Accuracy(task=...)`
 * wrapper makes before it picks the task-specific class (with torchmetrics' error wording).
 */
import { readOptions } from "../callbacks/options.js";

/** How per-class scores are combined (torchmetrics' `average`). */
export type AccuracyAverage = "micro" | "macro" | "weighted" | "none" | null;

/** Accuracy's options (torchmetrics' argument names). */
export interface AccuracyOptions {
  task: "binary" | "multiclass" | "multilabel";
  num_classes?: number | null;
  num_labels?: number | null;
  threshold?: number;
  top_k?: number | null;
  average?: AccuracyAverage;
  multidim_average?: "global" | "samplewise";
  ignore_index?: number | null;
  validate_args?: boolean;
}

/** Options of MulticlassAccuracy (its own default average is "macro", as in torchmetrics). */
export interface MulticlassAccuracyOptions {
  num_classes: number;
  top_k?: number;
  average?: AccuracyAverage;
  ignore_index?: number | null;
  validate_args?: boolean;
}

/** Options of BinaryAccuracy. */
export interface BinaryAccuracyOptions {
  threshold?: number;
  ignore_index?: number | null;
  validate_args?: boolean;
}

/** The `average` values MulticlassAccuracy accepts. */
export const AVERAGES = ["micro", "macro", "weighted", "none", null];

const ACCURACY_KEYS = [
  "task",
  "num_classes",
  "num_labels",
  "threshold",
  "top_k",
  "average",
  "multidim_average",
  "ignore_index",
  "validate_args",
];

/** The task-specific class Accuracy(options) stands for, with the options to construct it. */
export type AccuracyTask =
  | { task: "binary"; options: BinaryAccuracyOptions }
  | { task: "multiclass"; options: MulticlassAccuracyOptions };

/** Checks Accuracy's options as torchmetrics' wrapper does and picks the task (micro average by default). */
export function resolveAccuracyTask(options: AccuracyOptions): AccuracyTask {
  const o = readOptions("Accuracy", options, ACCURACY_KEYS);
  const task = o.task;
  const common = {
    ignore_index: o.ignore_index as number | null | undefined,
    validate_args: o.validate_args as boolean,
  };
  if (o.multidim_average !== undefined && o.multidim_average !== "global") {
    throw new Error(
      `Accuracy: multidim_average="${String(o.multidim_average)}" is not supported (only "global")`,
    );
  }
  if (task === "binary") {
    return { task, options: { threshold: o.threshold as number | undefined, ...common } };
  }
  if (task === "multiclass") {
    if (typeof o.num_classes !== "number" || !Number.isInteger(o.num_classes)) {
      throw new Error(
        `Optional arg \`num_classes\` must be type \`int\` when task is multiclass. Got ${String(o.num_classes)}`,
      );
    }
    const topK = (o.top_k ?? 1) as number;
    if (!Number.isInteger(topK) || topK < 1) {
      throw new Error(
        `Optional arg \`top_k\` must be type \`int\` when task is multiclass. Got ${String(o.top_k)}`,
      );
    }
    const average = (o.average === undefined ? "micro" : o.average) as AccuracyAverage;
    return { task, options: { num_classes: o.num_classes, top_k: topK, average, ...common } };
  }
  throw new Error(
    `Accuracy: task must be "binary" or "multiclass" (multilabel is not supported yet), got ${String(task)}`,
  );
}
