/** `kiln runs`: the runs of a local MLflow store with their status, times and last metric values. */
import { formatPyFloat } from "../../../common/pyvalue.js";
import { listRunIds, readExperiments, readRun } from "./store-reader.js";
import { fileUriToPath } from "./tracking-uri.js";

/** One run as listRuns reports it. */
export interface RunSummary {
  runId: string;
  runName: string;
  status: string;
  startTime: number;
  endTime: number | null;
  /** The last logged point of each metric (by logging order). */
  lastMetrics: Record<string, { value: number; step: number }>;
}

/** One experiment with its runs, newest first. */
export interface ExperimentSummary {
  experimentId: string;
  name: string;
  runs: RunSummary[];
}

/** Reads every active experiment and run of a local store (a path or `file:` URI). */
export function listRuns(trackingUri: string): ExperimentSummary[] {
  if (/^https?:/i.test(trackingUri)) {
    throw new Error(
      `listRuns reads local stores only; '${trackingUri}' is a server: open its web UI instead.`,
    );
  }
  const root = fileUriToPath(trackingUri);
  return readExperiments(root)
    .map((exp) => {
      const runs = listRunIds(root, exp.experimentId).map((runId): RunSummary => {
        const run = readRun(root, exp.experimentId, runId);
        const lastMetrics: RunSummary["lastMetrics"] = {};
        for (const [key, points] of Object.entries(run.metrics)) {
          const last = points.at(-1);
          if (last) lastMetrics[key] = { value: last.value, step: last.step };
        }
        const { runName, status, startTime, endTime } = run.info;
        return { runId, runName, status, startTime, endTime, lastMetrics };
      });
      runs.sort((a, b) => b.startTime - a.startTime);
      return { experimentId: exp.experimentId, name: exp.name, runs };
    })
    .filter((e) => e.runs.length > 0 || e.experimentId !== "0");
}

function isoTime(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

function duration(run: RunSummary): string {
  if (run.endTime === null) return "-";
  const s = Math.round((run.endTime - run.startTime) / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** A plain-text table per experiment: run name, id, status, start, duration, last metrics. */
export function formatRunsTable(experiments: ExperimentSummary[]): string {
  const blocks: string[] = [];
  for (const exp of experiments) {
    const header = ["run", "id", "status", "start (UTC)", "took", "last metrics"];
    const rows = exp.runs.map((r) => [
      r.runName,
      r.runId.slice(0, 8),
      r.status,
      isoTime(r.startTime),
      duration(r),
      Object.entries(r.lastMetrics)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, m]) => `${k}=${formatPyFloat(Number(m.value.toPrecision(6)))}`)
        .join(" "),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
        .join("  ")
        .trimEnd();
    const title = `experiment ${exp.name} (id ${exp.experimentId}): ${exp.runs.length} run(s)`;
    blocks.push([title, line(header), ...rows.map(line)].join("\n"));
  }
  return blocks.length ? `${blocks.join("\n\n")}\n` : "no runs\n";
}
