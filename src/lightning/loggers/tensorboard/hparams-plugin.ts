/**
 * The TensorBoard hparams plugin payload (tensorboard/plugins/hparams/plugin_data.proto, api.proto) and a
 * port of torch.utils.tensorboard.summary.hparams(), which Lightning's TensorBoardLogger.log_hyperparams uses.
 */
import { unwrapPy } from "../../../common/pyvalue.js";
import type { SummaryValue } from "./event.js";
import {
  asBytes,
  asDouble,
  asInt64,
  asString,
  type ProtoField,
  ProtoWriter,
  readFields,
  WireType,
} from "./protobuf.js";

/** api.proto DataType. */
export const HparamDataType = { UNSET: 0, STRING: 1, BOOL: 2, FLOAT64: 3 } as const;
/** api.proto Status. */
export const SessionStatus = { UNKNOWN: 0, SUCCESS: 1, FAILURE: 2, RUNNING: 3 } as const;

/** A hyperparameter value as the plugin stores it (google.protobuf.Value); null for null or unsupported kinds. */
export type HparamValue = number | string | boolean | null;

/** HParamsPluginData: exactly one of experiment, sessionStartInfo, sessionEndInfo is set. */
export interface HparamsPluginData {
  version: number;
  experiment?: {
    hparamInfos: { name: string; type: number }[];
    metricInfos: { group: string; tag: string }[];
  };
  /** Hyperparameters in wire order. */
  sessionStartInfo?: { hparams: Map<string, HparamValue> };
  sessionEndInfo?: { status: number };
}

/** The plugin name and the three summary tags (tensorboard/plugins/hparams/metadata.py). */
export const HPARAMS_PLUGIN = {
  name: "hparams",
  experimentTag: "_hparams_/experiment",
  sessionStartTag: "_hparams_/session_start_info",
  sessionEndTag: "_hparams_/session_end_info",
} as const;

const DATA = { version: 1, experiment: 2, sessionStart: 3, sessionEnd: 4 } as const;
const EXPERIMENT = { hparamInfos: 4, metricInfos: 5 } as const;
const HPARAM_INFO = { name: 1, type: 4 } as const;
const METRIC_INFO_NAME = 1;
const METRIC_NAME = { group: 1, tag: 2 } as const;
const VALUE = { null: 1, number: 2, string: 3, bool: 4 } as const;

function encodeValue(v: HparamValue): ProtoWriter {
  const w = new ProtoWriter();
  if (v === null) return w.varint(VALUE.null, 0);
  if (typeof v === "number") return w.double(VALUE.number, v);
  if (typeof v === "string") return w.string(VALUE.string, v);
  return w.varint(VALUE.bool, v);
}

/** Serializes plugin data the way Python's protobuf does (version 0, the current one, is omitted). */
export function encodeHparamsPluginData(data: HparamsPluginData): Buffer {
  const w = new ProtoWriter();
  if (data.version !== 0) w.varint(DATA.version, data.version);
  if (data.experiment) {
    const exp = new ProtoWriter();
    for (const info of data.experiment.hparamInfos) {
      const hp = new ProtoWriter().string(HPARAM_INFO.name, info.name);
      if (info.type !== 0) hp.varint(HPARAM_INFO.type, info.type);
      exp.message(EXPERIMENT.hparamInfos, hp);
    }
    for (const info of data.experiment.metricInfos) {
      const name = new ProtoWriter();
      if (info.group) name.string(METRIC_NAME.group, info.group);
      if (info.tag) name.string(METRIC_NAME.tag, info.tag);
      exp.message(EXPERIMENT.metricInfos, new ProtoWriter().message(METRIC_INFO_NAME, name));
    }
    w.message(DATA.experiment, exp);
  }
  if (data.sessionStartInfo) {
    const ssi = new ProtoWriter();
    for (const [key, value] of data.sessionStartInfo.hparams) {
      // A map field is a repeated entry message {1: key, 2: value}.
      ssi.message(1, new ProtoWriter().string(1, key).message(2, encodeValue(value)));
    }
    w.message(DATA.sessionStart, ssi);
  }
  if (data.sessionEndInfo) {
    const sei = new ProtoWriter();
    if (data.sessionEndInfo.status !== 0) sei.varint(1, data.sessionEndInfo.status);
    w.message(DATA.sessionEnd, sei);
  }
  return w.finish();
}

function decodeValue(buf: Buffer): HparamValue {
  let value: HparamValue = null;
  for (const f of readFields(buf)) {
    if (f.field === VALUE.number) value = asDouble(f);
    else if (f.field === VALUE.string) value = asString(f);
    else if (f.field === VALUE.bool) value = asInt64(f) !== 0;
    else value = null; // null_value, struct_value, list_value: not produced by add_hparams
  }
  return value;
}

function fieldsOf(f: ProtoField): ProtoField[] {
  return readFields(asBytes(f));
}

/** Parses the content of an hparams plugin summary. */
export function decodeHparamsPluginData(buf: Buffer): HparamsPluginData {
  const data: HparamsPluginData = { version: 0 };
  for (const f of readFields(buf)) {
    if (f.field === DATA.version && f.wire === WireType.VARINT) data.version = asInt64(f);
    else if (f.field === DATA.experiment) {
      const exp: NonNullable<HparamsPluginData["experiment"]> = { hparamInfos: [], metricInfos: [] };
      for (const e of fieldsOf(f)) {
        if (e.field === EXPERIMENT.hparamInfos) {
          const info = { name: "", type: 0 };
          for (const h of fieldsOf(e)) {
            if (h.field === HPARAM_INFO.name) info.name = asString(h);
            else if (h.field === HPARAM_INFO.type) info.type = asInt64(h);
          }
          exp.hparamInfos.push(info);
        } else if (e.field === EXPERIMENT.metricInfos) {
          const name = { group: "", tag: "" };
          for (const m of fieldsOf(e)) {
            if (m.field !== METRIC_INFO_NAME) continue;
            for (const n of fieldsOf(m)) {
              if (n.field === METRIC_NAME.group) name.group = asString(n);
              else if (n.field === METRIC_NAME.tag) name.tag = asString(n);
            }
          }
          exp.metricInfos.push(name);
        }
      }
      data.experiment = exp;
    } else if (f.field === DATA.sessionStart) {
      const hparams = new Map<string, HparamValue>();
      for (const entry of fieldsOf(f)) {
        if (entry.field !== 1) continue;
        let key = "";
        let value: HparamValue = null;
        for (const kv of fieldsOf(entry)) {
          if (kv.field === 1) key = asString(kv);
          else if (kv.field === 2) value = decodeValue(asBytes(kv));
        }
        hparams.set(key, value);
      }
      data.sessionStartInfo = { hparams };
    } else if (f.field === DATA.sessionEnd) {
      let status = 0;
      for (const s of fieldsOf(f)) if (s.field === 1) status = asInt64(s);
      data.sessionEndInfo = { status };
    }
  }
  return data;
}

function pluginValue(tag: string, data: HparamsPluginData): SummaryValue {
  return { tag, plugin: { name: HPARAMS_PLUGIN.name, content: encodeHparamsPluginData(data) } };
}

/**
 * torch.utils.tensorboard.summary.hparams(): the experiment, session-start and session-end summaries for
 * flat params. As in Python, booleans are ints there, so they become FLOAT64 numbers; null values are skipped.
 */
export function hparamsSummaries(
  params: Record<string, unknown>,
  metricNames: string[],
): { experiment: SummaryValue; sessionStart: SummaryValue; sessionEnd: SummaryValue } {
  const hparamInfos: { name: string; type: number }[] = [];
  const hparams = new Map<string, HparamValue>();
  for (const [key, raw] of Object.entries(params)) {
    const value = unwrapPy(raw);
    if (value === null || value === undefined) continue;
    if (typeof value === "number" || typeof value === "boolean") {
      hparams.set(key, Number(value));
      hparamInfos.push({ name: key, type: HparamDataType.FLOAT64 });
    } else if (typeof value === "string") {
      hparams.set(key, value);
      hparamInfos.push({ name: key, type: HparamDataType.STRING });
    } else {
      throw new TypeError(
        `hparam '${key}': value should be a number, string or boolean, got ${typeof value}`,
      );
    }
  }
  const metricInfos = metricNames.map((tag) => ({ group: "", tag }));
  return {
    experiment: pluginValue(HPARAMS_PLUGIN.experimentTag, {
      version: 0,
      experiment: { hparamInfos, metricInfos },
    }),
    sessionStart: pluginValue(HPARAMS_PLUGIN.sessionStartTag, { version: 0, sessionStartInfo: { hparams } }),
    sessionEnd: pluginValue(HPARAMS_PLUGIN.sessionEndTag, {
      version: 0,
      sessionEndInfo: { status: SessionStatus.SUCCESS },
    }),
  };
}
