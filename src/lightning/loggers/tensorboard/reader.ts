/**
 * Reads TensorBoard event files back: every record's CRCs verified, events decoded, and a run folder summed
 * up as scalar series and the hparams plugin data. Used by the tests and by `kiln` viewers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeEvent, type TbEvent } from "./event.js";
import { decodeHparamsPluginData, HPARAMS_PLUGIN, type HparamValue } from "./hparams-plugin.js";
import { readRecords } from "./tfrecord.js";

/** The decoded records of one event file. */
export interface EventFile {
  path: string;
  events: (TbEvent & { offset: number })[];
  /** Bytes at the end that are not yet a whole record (a writer still running, or killed mid-write). */
  truncatedTailBytes: number;
}

/** One point of a scalar series. */
export interface ScalarPoint {
  step: number;
  wallTime: number;
  value: number;
}

/** What a run folder holds: scalar series by tag, and the last hparams written. */
export interface RunContents {
  files: string[];
  scalars: Map<string, ScalarPoint[]>;
  /** session_start_info hparams, in wire order. */
  hparams?: Map<string, HparamValue>;
  /** experiment hparam_infos types (HparamDataType values) by name. */
  hparamTypes?: Map<string, number>;
  /** experiment metric_infos tags. */
  metricTags?: string[];
  /** session_end_info status (SessionStatus value). */
  sessionStatus?: number;
}

/** Reads and decodes one event file; a CRC mismatch throws RecordCorruptError naming the file and offset. */
export function readEventFile(path: string): EventFile {
  const { records, truncatedTailBytes } = readRecords(readFileSync(path), path);
  return {
    path,
    events: records.map((r) => ({ ...decodeEvent(r.payload), offset: r.offset })),
    truncatedTailBytes,
  };
}

/** The event files directly inside `dir`, in name order (creation time, then writer counter). */
export function listEventFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.includes("tfevents"))
    .sort()
    .map((n) => join(dir, n));
}

/** Reads every event file of a run folder into scalar series and hparams. */
export function readRun(dir: string): RunContents {
  const files = listEventFiles(dir);
  const run: RunContents = { files, scalars: new Map() };
  for (const file of files) {
    for (const ev of readEventFile(file).events) {
      for (const v of ev.summary ?? []) {
        if (v.simpleValue !== undefined) {
          const series = run.scalars.get(v.tag) ?? [];
          series.push({ step: ev.step, wallTime: ev.wallTime, value: v.simpleValue });
          run.scalars.set(v.tag, series);
        } else if (v.plugin?.name === HPARAMS_PLUGIN.name) {
          const data = decodeHparamsPluginData(v.plugin.content);
          if (data.experiment) {
            run.hparamTypes = new Map(data.experiment.hparamInfos.map((i) => [i.name, i.type]));
            run.metricTags = data.experiment.metricInfos.map((m) => m.tag);
          }
          if (data.sessionStartInfo) run.hparams = data.sessionStartInfo.hparams;
          if (data.sessionEndInfo) run.sessionStatus = data.sessionEndInfo.status;
        }
      }
    }
  }
  return run;
}
