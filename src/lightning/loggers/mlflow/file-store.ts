/**
 * A writer for MLflow's file store (the layout MLflow 3.6's FileStore writes, plus `run_uuid` so MLflow 2.x
 * reads the runs too): experiment and run `meta.yaml`, `metrics/`, `params/`, `tags/`, `artifacts/`.
 * Synchronous on purpose: each call is a few small file writes, and the logger batches metrics before calling.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describeIoError, makeDirs, writeFileAtomic } from "../../../common/files.js";
import { isDir } from "../files.js";
import {
  formatMetricValue,
  type KeyValue,
  LIMITS,
  type Metric,
  MlflowError,
  RUN_STATUS_CODES,
  type RunStatusName,
  truncateValue,
  validateKey,
  validateMetric,
} from "./entities.js";
import { dumpMetaYaml, type MetaValue } from "./meta-yaml.js";
import { randomRunName } from "./run-names.js";
import {
  type ExperimentInfo,
  type RunInfo,
  readExperiments,
  readKeyValueDir,
  readRunInfo,
} from "./store-reader.js";
import { fileUriToPath, pathToFileUri } from "./tracking-uri.js";

const META = "meta.yaml";

/** MLflow's `_generate_unique_integer_id`: an 18-digit decimal with no leading zero. */
export function newExperimentId(): string {
  let id = String(randomInt(1, 10));
  for (const b of randomBytes(17)) id += String(b % 10);
  return id;
}

/** Writes runs into an MLflow file store rooted at `root`. */
export class FileStore {
  private readonly createdDirs = new Set<string>();

  /** Opens (and, like MLflow, initialises) the store: the root, `.trash/` and the Default experiment `0`. */
  constructor(readonly root: string) {
    makeDirs(join(root, ".trash"));
    if (!existsSync(join(root, "0", META))) this.writeExperiment("0", "Default", undefined, []);
  }

  /** The active experiment with this name, if any. */
  getExperimentByName(name: string): ExperimentInfo | undefined {
    return readExperiments(this.root).find((e) => e.name === name && e.lifecycleStage === "active");
  }

  /** Creates an experiment and returns its id; a name already used (even in `.trash`) is an error. */
  createExperiment(name: string, artifactLocation?: string | null, tags: KeyValue[] = []): string {
    if (typeof name !== "string" || name === "") {
      throw new MlflowError("INVALID_PARAMETER_VALUE", "An experiment name must be a non-empty string.");
    }
    const existing = readExperiments(this.root, { includeDeleted: true }).find((e) => e.name === name);
    if (existing) {
      const where =
        existing.lifecycleStage === "deleted" ? " in deleted state (restore it or empty .trash/)" : "";
      throw new MlflowError(
        "RESOURCE_ALREADY_EXISTS",
        `Experiment '${name}' already exists${where} with id ${existing.experimentId}.`,
      );
    }
    let id = newExperimentId();
    while (existsSync(join(this.root, id)) || existsSync(join(this.root, ".trash", id)))
      id = newExperimentId();
    this.writeExperiment(id, name, artifactLocation ?? undefined, tags);
    return id;
  }

  private writeExperiment(id: string, name: string, artifactLocation: string | undefined, tags: KeyValue[]) {
    const dir = join(this.root, id);
    makeDirs(dir);
    const now = Date.now();
    writeFileAtomic(
      join(dir, META),
      dumpMetaYaml({
        // A plain path becomes a file: URI, as MLflow's resolve_uri_if_local does.
        artifact_location: !artifactLocation
          ? pathToFileUri(dir)
          : /^[a-z][a-z0-9+.-]+:/i.test(artifactLocation)
            ? artifactLocation
            : pathToFileUri(artifactLocation),
        creation_time: now,
        experiment_id: id,
        last_update_time: now,
        lifecycle_stage: "active",
        name,
      }),
    );
    for (const tag of tags) {
      validateKey(tag.key, "tag");
      this.writeValueFile(
        join(dir, "tags", tag.key),
        truncateValue(tag.value, LIMITS.maxExperimentTagValueLength),
      );
    }
  }

  /** Creates a RUNNING run with its folders and tags (mlflow.runName is added when missing). */
  createRun(options: {
    experimentId: string;
    runName?: string | null;
    userId: string;
    startTime?: number;
    tags?: KeyValue[];
  }): RunInfo {
    const expDir = join(this.root, options.experimentId);
    const experiment = readExperiments(this.root).find((e) => e.experimentId === options.experimentId);
    if (!experiment) {
      throw new MlflowError(
        "RESOURCE_DOES_NOT_EXIST",
        `No experiment with id ${options.experimentId} in ${this.root}`,
      );
    }
    const tags = [...(options.tags ?? [])];
    const tagName = tags.find((t) => t.key === "mlflow.runName")?.value;
    if (options.runName && tagName && options.runName !== tagName) {
      throw new MlflowError(
        "INVALID_PARAMETER_VALUE",
        `Both run_name '${options.runName}' and the tag mlflow.runName '${tagName}' are set and differ.`,
      );
    }
    const runName = options.runName || tagName || randomRunName();
    if (!tagName) tags.push({ key: "mlflow.runName", value: runName });
    const runId = randomUUID().replaceAll("-", "");
    const runDir = join(expDir, runId);
    const artifactRoot = experiment.artifactLocation.startsWith("file:")
      ? `${experiment.artifactLocation.replace(/\/+$/, "")}/${runId}/artifacts`
      : `${experiment.artifactLocation}/${runId}/artifacts`;
    const info: RunInfo = {
      runId,
      experimentId: options.experimentId,
      runName,
      userId: options.userId,
      status: "RUNNING",
      startTime: options.startTime ?? Date.now(),
      endTime: null,
      artifactUri: artifactRoot,
      lifecycleStage: "active",
    };
    for (const sub of ["metrics", "params", "artifacts"]) makeDirs(join(runDir, sub));
    this.writeRunMeta(runDir, info);
    for (const tag of tags) this.setTag(info, tag);
    return info;
  }

  /** The run with this id in any active experiment; a clear error when there is none. */
  getRun(runId: string): RunInfo {
    for (const exp of readExperiments(this.root)) {
      const dir = join(this.root, exp.experimentId, runId);
      if (existsSync(join(dir, META))) return readRunInfo(dir);
    }
    throw new MlflowError(
      "RESOURCE_DOES_NOT_EXIST",
      `Run '${runId}' not found in the MLflow store ${this.root}.`,
    );
  }

  /** The params a run holds (key to raw value). */
  getParams(run: RunInfo): Record<string, string> {
    return readKeyValueDir(join(this.runDir(run), "params"));
  }

  private runDir(run: RunInfo): string {
    return join(this.root, run.experimentId, run.runId);
  }

  private writeRunMeta(runDir: string, info: RunInfo): void {
    const meta: Record<string, MetaValue> = {
      artifact_uri: info.artifactUri,
      end_time: info.endTime,
      entry_point_name: "",
      experiment_id: info.experimentId,
      lifecycle_stage: info.lifecycleStage,
      run_id: info.runId,
      // MLflow 3 dropped run_uuid; MLflow 2.x cannot read a run without it (fixture store-3.6.mlflow-2.22-read.txt).
      run_uuid: info.runId,
      run_name: info.runName,
      source_name: "",
      source_type: 4,
      source_version: "",
      start_time: info.startTime,
      status: RUN_STATUS_CODES[info.status as RunStatusName] ?? RUN_STATUS_CODES.RUNNING,
      tags: [],
      user_id: info.userId,
    };
    writeFileAtomic(join(runDir, META), dumpMetaYaml(meta));
  }

  /** Sets status (and end time; null clears it, as when a run is resumed). */
  updateRun(run: RunInfo, status: RunStatusName, endTime: number | null): RunInfo {
    const updated: RunInfo = { ...run, status, endTime };
    this.writeRunMeta(this.runDir(run), updated);
    return updated;
  }

  /** Appends metric points, one open per key (MLflow's `<ms> <value> <step>` lines). */
  logMetrics(run: RunInfo, metrics: readonly Metric[]): void {
    const byKey = new Map<string, string>();
    for (const m of metrics) {
      validateMetric(m);
      byKey.set(m.key, `${byKey.get(m.key) ?? ""}${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`);
    }
    const metricsDir = join(this.runDir(run), "metrics");
    for (const [key, lines] of byKey) {
      const path = join(metricsDir, key);
      this.ensureDir(dirname(path));
      try {
        appendFileSync(path, lines);
      } catch (err) {
        throw describeIoError(err, "append to", path);
      }
    }
  }

  /** Writes params; re-logging the same value is fine, a different value is MLflow's INVALID_PARAMETER_VALUE. */
  logParams(run: RunInfo, params: readonly KeyValue[]): void {
    for (const p of params) {
      validateKey(p.key, "param");
      const value = truncateValue(p.value, LIMITS.maxParamValueLength);
      const path = join(this.runDir(run), "params", p.key);
      if (existsSync(path)) {
        const old = readFileSync(path, "utf8");
        if (old === value) continue;
        throw new MlflowError(
          "INVALID_PARAMETER_VALUE",
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
            `value='${old}' for run ID='${run.runId}'. Attempted logging new value '${value}'.`,
        );
      }
      this.writeValueFile(path, value);
    }
  }

  /** Sets (or replaces) a run tag. */
  setTag(run: RunInfo, tag: KeyValue): void {
    validateKey(tag.key, "tag");
    this.writeValueFile(
      join(this.runDir(run), "tags", tag.key),
      truncateValue(tag.value, LIMITS.maxTagValueLength),
    );
  }

  /** The local folder of the run's artifacts (its `file:` artifact_uri, else `<run>/artifacts`). */
  artifactDir(run: RunInfo): string {
    return run.artifactUri.startsWith("file:")
      ? fileUriToPath(run.artifactUri)
      : join(this.runDir(run), "artifacts");
  }

  /** Copies a file into the run's artifacts under `artifactPath` (a folder: its contents, like log_artifacts). */
  logArtifact(run: RunInfo, localPath: string, artifactPath?: string): void {
    const destDir = artifactPath ? join(this.artifactDir(run), artifactPath) : this.artifactDir(run);
    copyInto(localPath, isDir(localPath) ? destDir : join(destDir, basename(localPath)));
  }

  private writeValueFile(path: string, value: string): void {
    this.ensureDir(dirname(path));
    writeFileAtomic(path, value);
  }

  private ensureDir(dir: string): void {
    if (this.createdDirs.has(dir)) return;
    makeDirs(dir);
    this.createdDirs.add(dir);
  }
}

/** Copies a file, or a folder with everything under it, to `dest`. */
function copyInto(src: string, dest: string): void {
  if (!existsSync(src)) throw new Error(`MLflow artifact '${src}' does not exist.`);
  let entries: string[] | undefined;
  try {
    entries = readdirSync(src);
  } catch {
    entries = undefined;
  }
  if (entries === undefined) {
    makeDirs(dirname(dest));
    try {
      copyFileSync(src, dest);
    } catch (err) {
      throw describeIoError(err, "write", dest);
    }
    return;
  }
  for (const name of entries) copyInto(join(src, name), join(dest, name));
}
