/**
 * The MLflow REST operations the logger needs, shaped like the transcripts of a real MLflow 3.6 server
 * (fixtures/mlflow/rest): experiments get-by-name/create, runs create/get/update/log-batch/set-tag, and
 * artifact upload through the mlflow-artifacts proxy. Also splits a batch within the server's limits.
 */
import {
  decodeJsonMetricValue,
  encodeJsonMetricValue,
  type KeyValue,
  LIMITS,
  type Metric,
  MlflowError,
  type RunStatusName,
} from "./entities.js";
import type { RestClient } from "./rest-client.js";
import type { RunInfo } from "./store-reader.js";

/** One log-batch request's content. */
export interface Batch {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** A metric as JSON: NaN/±Infinity become the strings proto3 JSON uses (JSON.stringify would send null). */
export function metricToJson(m: Metric): Record<string, unknown> {
  return { key: m.key, value: encodeJsonMetricValue(m.value), timestamp: m.timestamp, step: m.step };
}

/** The log-batch body, with empty lists left out (as in the transcripts). */
export function batchBody(runId: string, batch: Batch): Record<string, unknown> {
  const body: Record<string, unknown> = { run_id: runId };
  if (batch.metrics.length) body.metrics = batch.metrics.map(metricToJson);
  if (batch.params.length) body.params = batch.params;
  if (batch.tags.length) body.tags = batch.tags;
  return body;
}

/** The most bytes a metric's JSON takes besides its key (`{"key":"","value":…,"timestamp":…,"step":…},`). */
const METRIC_JSON_OVERHEAD = 100;
const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), "utf8") + 1;

/**
 * Splits metrics, params and tags into log-batch requests within MLflow's limits: at most 1000 metrics,
 * 100 params and tags together, 1000 entities and 1 MB of JSON per request. Params go first, then tags.
 */
export function splitBatches(batch: Batch, runId = "0".repeat(32)): Batch[] {
  const out: Batch[] = [];
  const overhead = jsonBytes(batchBody(runId, { metrics: [], params: [], tags: [] })) + 64;
  let cur: Batch = { metrics: [], params: [], tags: [] };
  let bytes = overhead;
  const push = () => {
    if (cur.metrics.length + cur.params.length + cur.tags.length) out.push(cur);
    cur = { metrics: [], params: [], tags: [] };
    bytes = overhead;
  };
  const add = (kind: keyof Batch, item: Metric | KeyValue, size: number) => {
    const paramsTags = cur.params.length + cur.tags.length;
    const entities = cur.metrics.length + paramsTags;
    const full =
      entities >= LIMITS.maxEntitiesPerBatch ||
      bytes + size > LIMITS.maxBatchRequestBytes ||
      (kind === "metrics"
        ? cur.metrics.length >= LIMITS.maxMetricsPerBatch
        : paramsTags >= LIMITS.maxParamsTagsPerBatch);
    if (full) push();
    (cur[kind] as (Metric | KeyValue)[]).push(item);
    bytes += size;
  };
  for (const p of batch.params) add("params", p, jsonBytes(p));
  for (const t of batch.tags) add("tags", t, jsonBytes(t));
  // An upper bound instead of JSON.stringify per point: this runs for every logged value.
  for (const m of batch.metrics) add("metrics", m, METRIC_JSON_OVERHEAD + m.key.length * 6);
  push();
  return out;
}

function toRunInfo(info: Record<string, unknown>): RunInfo {
  return {
    runId: String(info.run_id ?? info.run_uuid),
    experimentId: String(info.experiment_id),
    runName: String(info.run_name ?? ""),
    userId: String(info.user_id ?? ""),
    status: String(info.status ?? "RUNNING"),
    startTime: Number(info.start_time ?? 0),
    endTime: info.end_time === undefined ? null : Number(info.end_time),
    artifactUri: String(info.artifact_uri ?? ""),
    lifecycleStage: String(info.lifecycle_stage ?? "active"),
  };
}

/** MLflow REST operations over a RestClient. */
export class RestStore {
  constructor(readonly client: RestClient) {}

  /** The experiment id for this name, or undefined when the server answers RESOURCE_DOES_NOT_EXIST. */
  async getExperimentByName(name: string): Promise<{ id: string; lifecycleStage: string } | undefined> {
    try {
      const res = await this.client.get("experiments/get-by-name", { experiment_name: name });
      const exp = res.experiment as Record<string, unknown>;
      return { id: String(exp.experiment_id), lifecycleStage: String(exp.lifecycle_stage ?? "active") };
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw err;
    }
  }

  /** Creates an experiment; when another process created it first (RESOURCE_ALREADY_EXISTS), uses that one. */
  async createExperiment(
    name: string,
    artifactLocation?: string | null,
    tags: KeyValue[] = [],
  ): Promise<string> {
    const body: Record<string, unknown> = { name };
    if (artifactLocation) body.artifact_location = artifactLocation;
    if (tags.length) body.tags = tags;
    try {
      const res = await this.client.post("experiments/create", body);
      return String(res.experiment_id);
    } catch (err) {
      if (!(err instanceof MlflowError) || err.errorCode !== "RESOURCE_ALREADY_EXISTS") throw err;
      const existing = await this.getExperimentByName(name);
      if (!existing) throw err;
      return existing.id;
    }
  }

  /** The id of the active experiment with this name, created when missing (Lightning's lookup). */
  async getOrCreateExperiment(name: string, artifactLocation?: string | null): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing && existing.lifecycleStage !== "deleted") return existing.id;
    return this.createExperiment(name, artifactLocation);
  }

  /** runs/create; the server adds mlflow.runName when run_name is given. */
  async createRun(options: {
    experimentId: string;
    runName?: string | null;
    startTime: number;
    userId: string;
    tags: KeyValue[];
  }): Promise<RunInfo> {
    const body: Record<string, unknown> = { experiment_id: options.experimentId };
    if (options.runName) body.run_name = options.runName;
    body.start_time = options.startTime;
    body.user_id = options.userId;
    body.tags = options.tags;
    const res = await this.client.post("runs/create", body);
    return toRunInfo((res.run as { info: Record<string, unknown> }).info);
  }

  /** runs/get: the run's info and its params (used on resume). */
  async getRun(runId: string): Promise<{ info: RunInfo; params: Record<string, string> }> {
    const res = await this.client.get("runs/get", { run_id: runId });
    const run = res.run as { info: Record<string, unknown>; data?: { params?: KeyValue[] } };
    const params = Object.fromEntries((run.data?.params ?? []).map((p) => [p.key, p.value]));
    return { info: toRunInfo(run.info), params };
  }

  /** One runs/log-batch request (the caller keeps it within the limits: see splitBatches). */
  async logBatch(runId: string, batch: Batch): Promise<void> {
    await this.client.post("runs/log-batch", batchBody(runId, batch));
  }

  /** runs/set-tag. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.client.post("runs/set-tag", { run_id: runId, key, value });
  }

  /** runs/update with the status and end time (end_time left out when null, as on resume). */
  async updateRun(runId: string, status: RunStatusName, endTime: number | null): Promise<void> {
    const body: Record<string, unknown> = { run_id: runId, status };
    if (endTime !== null) body.end_time = endTime;
    await this.client.post("runs/update", body);
  }

  /**
   * metrics/get-history, every page. `max_results` is always sent: MLflow 3.6 returns no points without it
   * (transcript 23).
   */
  async getMetricHistory(runId: string, key: string, pageSize = 25_000): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string | number> = {
        run_id: runId,
        metric_key: key,
        max_results: pageSize,
      };
      if (token) query.page_token = token;
      const res = await this.client.get("metrics/get-history", query);
      for (const m of (res.metrics as Record<string, unknown>[] | undefined) ?? []) {
        const value = decodeJsonMetricValue(m.value);
        out.push({ key: String(m.key), value, timestamp: Number(m.timestamp), step: Number(m.step ?? 0) });
      }
      token =
        typeof res.next_page_token === "string" && res.next_page_token ? res.next_page_token : undefined;
    } while (token);
    return out;
  }

  /** Uploads one file's bytes to `<artifact_uri>/<relPath>` through the mlflow-artifacts proxy. */
  async uploadArtifact(artifactUri: string, relPath: string, data: Uint8Array): Promise<void> {
    if (!artifactUri.startsWith("mlflow-artifacts:")) {
      throw new MlflowError(
        "INVALID_PARAMETER_VALUE",
        `The run's artifact_uri '${artifactUri}' is not served by the tracking server; start the server with ` +
          "`--serve-artifacts` (the default in MLflow 2+) so Kiln can upload through mlflow-artifacts.",
      );
    }
    // mlflow-artifacts:/1/<run>/artifacts, or with a host: mlflow-artifacts://host:port/1/<run>/artifacts
    const root = artifactUri
      .slice("mlflow-artifacts:".length)
      .replace(/^\/\/[^/]*/, "")
      .replace(/^\/+/, "");
    await this.client.putArtifact(`${root}/${relPath}`, data);
  }
}
