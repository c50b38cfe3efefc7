/** Kiln's torchmetrics: metric objects usable as `self.log` values (computed at epoch end, then reset). */
export {
  Accuracy,
  type AccuracyAverage,
  type AccuracyOptions,
  BinaryAccuracy,
  type BinaryAccuracyOptions,
  MulticlassAccuracy,
  type MulticlassAccuracyOptions,
} from "./accuracy.js";
export {
  type AggregationOptions,
  MaxMetric,
  MeanMetric,
  MinMetric,
  type NanStrategy,
  SumMetric,
} from "./aggregation.js";
export { Metric, type MetricInput, type MetricState, type StateReduce } from "./metric.js";
