/**
 * Reads an MLflow file store (written by MLflow 2.x/3.x or by Kiln): experiments, runs, params, tags and
 * metric histories. Missing empty folders (`.trash/`, `params/`, `artifacts/`, which git does not keep) read as
 * empty, and artifacts are found relative to the run folder, not through the stored absolute URIs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { isTemporaryName } from "../../../common/files.js";
import { isDir, isFile } from "../files.js";
import { type RunStatusName, runStatusName } from "./entities.js";
import { parseMetaYaml } from "./meta-yaml.js";

/** An experiment's meta.yaml plus its tags. */
export interface ExperimentInfo {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

/** A run's meta.yaml. */
export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatusName | string;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: string;
}

/** One point of a metric history (the value parsed from Python's float text: `nan`, `inf`, `1e-07`). */
export interface MetricPoint {
  timestamp: number;
  value: number;
  step: number;
}

/** Everything stored for one run. */
export interface RunRecord {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricPoint[]>;
  /** Artifact paths relative to the run's artifact folder, `/`-separated, sorted. */
  artifacts: string[];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Every file under `dir` as `/`-separated paths relative to it (a missing folder has none). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of listDir(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** Key/value files (params, tags) under `dir`: `/` in a key is a subfolder; values are the raw file text. */
export function readKeyValueDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of filesUnder(dir)) {
    if (isTemporaryName(key)) continue; // an atomic write in progress, or one that was interrupted
    out[key] = readFileSync(join(dir, key), "utf8");
  }
  return out;
}

function intOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Parses a Python float text as written in metric files. */
export function parsePyFloat(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === "nan" || t === "-nan") return Number.NaN;
  if (t === "inf" || t === "infinity") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  const v = Number(t);
  if (Number.isNaN(v)) throw new Error(`not a number: '${text}'`);
  return v;
}

/** Parses one metric file (`<ms> <value> <step>` lines; MLflow 1.x files may lack the step). */
export function readMetricFile(path: string): MetricPoint[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const points: MetricPoint[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2 || parts.length > 3) {
      throw new Error(`${path}:${i + 1}: expected '<timestamp> <value> <step>', got '${line}'`);
    }
    try {
      points.push({
        timestamp: Number(parts[0]),
        value: parsePyFloat(parts[1]),
        step: Number(parts[2] ?? 0),
      });
    } catch (err) {
      throw new Error(`${path}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return points;
}

function readExperimentDir(dir: string, stage?: string): ExperimentInfo | undefined {
  if (!isFile(join(dir, "meta.yaml"))) return undefined;
  const where = join(dir, "meta.yaml");
  const meta = parseMetaYaml(readFileSync(where, "utf8"), where);
  return {
    experimentId: String(meta.experiment_id),
    name: String(meta.name),
    artifactLocation: String(meta.artifact_location ?? ""),
    lifecycleStage: stage ?? String(meta.lifecycle_stage ?? "active"),
    creationTime: intOrNull(meta.creation_time),
    lastUpdateTime: intOrNull(meta.last_update_time),
    tags: readKeyValueDir(join(dir, "tags")),
  };
}

/** The experiments of a store (active ones; also `.trash/` ones with includeDeleted), Default included. */
export function readExperiments(root: string, options: { includeDeleted?: boolean } = {}): ExperimentInfo[] {
  const out: ExperimentInfo[] = [];
  for (const name of listDir(root)) {
    if (name === ".trash" || !isDir(join(root, name))) continue;
    const exp = readExperimentDir(join(root, name));
    if (exp) out.push(exp);
  }
  if (options.includeDeleted) {
    for (const name of listDir(join(root, ".trash"))) {
      const exp = readExperimentDir(join(root, ".trash", name), "deleted");
      if (exp) out.push(exp);
    }
  }
  return out;
}

/** The meta.yaml of the run in `runDir`. */
export function readRunInfo(runDir: string): RunInfo {
  const where = join(runDir, "meta.yaml");
  const meta = parseMetaYaml(readFileSync(where, "utf8"), where);
  const runId = String(meta.run_id ?? meta.run_uuid);
  return {
    runId,
    experimentId: String(meta.experiment_id),
    runName: String(meta.run_name ?? ""),
    userId: String(meta.user_id ?? ""),
    status: runStatusName(meta.status),
    startTime: intOrNull(meta.start_time) ?? 0,
    endTime: intOrNull(meta.end_time),
    artifactUri: String(meta.artifact_uri ?? ""),
    lifecycleStage: String(meta.lifecycle_stage ?? "active"),
  };
}

/** The run folders of an experiment (subfolders with a meta.yaml). */
export function listRunIds(root: string, experimentId: string): string[] {
  const expDir = join(root, experimentId);
  return listDir(expDir).filter((name) => name !== "tags" && isFile(join(expDir, name, "meta.yaml")));
}

/** Everything stored for one run; metric histories in the order they were logged. */
export function readRun(root: string, experimentId: string, runId: string): RunRecord {
  const runDir = join(root, experimentId, runId);
  const metrics: Record<string, MetricPoint[]> = {};
  for (const key of filesUnder(join(runDir, "metrics")))
    metrics[key] = readMetricFile(join(runDir, "metrics", key));
  return {
    info: readRunInfo(runDir),
    params: readKeyValueDir(join(runDir, "params")),
    tags: readKeyValueDir(join(runDir, "tags")),
    metrics,
    artifacts: filesUnder(join(runDir, "artifacts")),
  };
}
