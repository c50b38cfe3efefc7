/**
 * MLflow's tracking entities as Kiln sends and stores them, with MLflow's limits and key validation
 * (mlflow/utils/validation.py), so a store written here is one MLflow accepts.
 */
import { posix } from "node:path";
import { formatPyFloat } from "../../../common/pyvalue.js";

/** One metric point: epoch-ms timestamp, int step. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** A param or tag: both are string key/value pairs. */
export interface KeyValue {
  key: string;
  value: string;
}

/** Run statuses as MLflow names them. */
export type RunStatusName = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

/** The int codes of RunStatus that the file store writes into meta.yaml. */
export const RUN_STATUS_CODES: Readonly<Record<RunStatusName, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

/** The status name for a meta.yaml int code (or a name already). */
export function runStatusName(code: unknown): RunStatusName | string {
  for (const [name, c] of Object.entries(RUN_STATUS_CODES)) if (c === code || name === code) return name;
  return String(code);
}

/** MLflow's server-side limits (mlflow/utils/validation.py). */
export const LIMITS = {
  maxMetricsPerBatch: 1000,
  maxParamsTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  maxBatchRequestBytes: 1_000_000,
  maxEntityKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 8000,
  maxExperimentTagValueLength: 5000,
} as const;

/** Lightning's MLFlowLogger cuts param values to this many characters (`str(v)[:250]`). */
export const LIGHTNING_PARAM_VALUE_LENGTH = 250;

/**
 * What MLflow answered (or would answer) for a request: its `error_code` plus a message that says what to fix.
 * `transient` marks failures worth retrying later (network, timeouts, 408/429/5xx), as opposed to rejections.
 */
export class MlflowError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly httpStatus?: number,
    readonly transient = false,
  ) {
    super(message);
    this.name = "MlflowError";
  }
}

// Python's `\w` is Unicode-aware: letters and digits of any script, plus `_`.
const VALID_KEY = /^[\p{L}\p{N}_/.\- :]*$/u;

/** MLflow's `_validate_metric_name` / `_validate_param_name` / `_validate_tag_name` rules for a key. */
export function validateKey(key: string, what: "metric" | "param" | "tag"): void {
  if (typeof key !== "string" || key === "") {
    throw new MlflowError("INVALID_PARAMETER_VALUE", `MLflow ${what} name must be a non-empty string.`);
  }
  if (!VALID_KEY.test(key)) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Invalid ${what} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), ` +
        "periods (.), spaces ( ), colons (:) and slashes (/).",
    );
  }
  // Python's posixpath.normpath, which (unlike Node's normalize) also drops a trailing slash.
  const norm = posix.normalize(key).replace(/(.)\/+$/, "$1");
  if (norm !== key || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Invalid ${what} name: '${key}'. Names are used as file paths and must not resolve to another name ` +
        `(this one resolves to '${norm}'): remove leading/trailing or doubled slashes and '.'/'..' parts.`,
    );
  }
  if (key.length > LIMITS.maxEntityKeyLength) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `${what} name '${key.slice(0, 40)}…' is ${key.length} characters long; MLflow allows at most ` +
        `${LIMITS.maxEntityKeyLength}.`,
    );
  }
}

/** A metric value must be a number; NaN and ±Infinity are allowed, as in MLflow. */
export function validateMetric(metric: Metric): void {
  validateKey(metric.key, "metric");
  if (typeof metric.value !== "number") {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Metric '${metric.key}' has value ${JSON.stringify(metric.value)}; MLflow metrics must be numbers.`,
    );
  }
  if (!Number.isInteger(metric.step) || !Number.isInteger(metric.timestamp)) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Metric '${metric.key}' needs an int step and timestamp, got step=${metric.step} ` +
        `timestamp=${metric.timestamp}.`,
    );
  }
}

/** Cuts a value to MLflow's limit, as the server does with MLFLOW_TRUNCATE_LONG_VALUES (the default). */
export function truncateValue(value: string, limit: number): string {
  return value.length > limit ? value.slice(0, limit) : value;
}

/** A metric value as the file store writes it: Python `str(float)` (`1.0`, `nan`, `inf`, `1e-07`). */
export function formatMetricValue(value: number): string {
  return formatPyFloat(value);
}

/** A metric value as proto3 JSON wants it: finite numbers as numbers, the others as "NaN"/"Infinity". */
export function encodeJsonMetricValue(value: number): number | string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  return value;
}

/** The inverse of encodeJsonMetricValue for values read from a server response. */
export function decodeJsonMetricValue(value: unknown): number {
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number(value);
}
