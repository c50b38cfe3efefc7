/**
 * TensorBoard's `Event` and `Summary` messages (tensorflow/core/util/event.proto, framework/summary.proto),
 * only the fields that scalar and hparams logging use. Fields are written in field-number order, as
 * protobuf does; proto3 defaults (step 0) are omitted, oneof members (`simple_value: 0.0`) are not.
 */
import { asBytes, asDouble, asFloat, asInt64, asString, ProtoWriter, readFields } from "./protobuf.js";

/** One `Summary.Value`: a scalar, or plugin data (hparams), or some other kind this reader skips. */
export interface SummaryValue {
  tag: string;
  /** `simple_value`: a float32 scalar. */
  simpleValue?: number;
  /** `metadata.plugin_data`: which plugin owns the value and its serialized content. */
  plugin?: { name: string; content: Buffer };
  /** True when the value holds a kind not decoded here (image, histogram, audio, tensor). */
  otherKind?: boolean;
}

/** One `Event` record. */
export interface TbEvent {
  wallTime: number;
  /** Global step; 0 when absent (the proto3 default). */
  step: number;
  fileVersion?: string;
  /** `source_metadata.writer`. */
  sourceWriter?: string;
  /** `summary.value`, when the event carries a summary. */
  summary?: SummaryValue[];
}

// Field numbers from event.proto and summary.proto.
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5, sourceMetadata: 10 } as const;
const SOURCE_METADATA_WRITER = 1;
const SUMMARY_VALUE = 1;
const VALUE = { tag: 1, simpleValue: 2, image: 4, histo: 5, audio: 6, tensor: 8, metadata: 9 } as const;
const METADATA_PLUGIN_DATA = 1;
const PLUGIN = { name: 1, content: 2 } as const;

function encodeSummaryValue(v: SummaryValue): ProtoWriter {
  const w = new ProtoWriter().string(VALUE.tag, v.tag);
  if (v.simpleValue !== undefined) w.float(VALUE.simpleValue, v.simpleValue);
  if (v.plugin) {
    const plugin = new ProtoWriter()
      .string(PLUGIN.name, v.plugin.name)
      .bytes(PLUGIN.content, v.plugin.content);
    w.message(VALUE.metadata, new ProtoWriter().message(METADATA_PLUGIN_DATA, plugin));
  }
  return w;
}

/** Serializes an Event the way Python's protobuf does. */
export function encodeEvent(ev: TbEvent): Buffer {
  const w = new ProtoWriter();
  if (ev.wallTime !== 0) w.double(EVENT.wallTime, ev.wallTime);
  if (ev.step !== 0) w.varint(EVENT.step, Math.trunc(ev.step));
  if (ev.fileVersion !== undefined) w.string(EVENT.fileVersion, ev.fileVersion);
  if (ev.summary !== undefined) {
    const summary = new ProtoWriter();
    for (const v of ev.summary) summary.message(SUMMARY_VALUE, encodeSummaryValue(v));
    w.message(EVENT.summary, summary);
  }
  if (ev.sourceWriter !== undefined) {
    w.message(EVENT.sourceMetadata, new ProtoWriter().string(SOURCE_METADATA_WRITER, ev.sourceWriter));
  }
  return w.finish();
}

function decodePluginData(buf: Buffer): { name: string; content: Buffer } {
  const plugin: { name: string; content: Buffer } = { name: "", content: Buffer.alloc(0) };
  for (const f of readFields(buf)) {
    if (f.field === PLUGIN.name) plugin.name = asString(f);
    else if (f.field === PLUGIN.content) plugin.content = asBytes(f);
  }
  return plugin;
}

function decodeSummaryValue(buf: Buffer): SummaryValue {
  const v: SummaryValue = { tag: "" };
  for (const f of readFields(buf)) {
    if (f.field === VALUE.tag) v.tag = asString(f);
    else if (f.field === VALUE.simpleValue) v.simpleValue = asFloat(f);
    else if (f.field === VALUE.metadata) {
      for (const m of readFields(asBytes(f))) {
        if (m.field === METADATA_PLUGIN_DATA) v.plugin = decodePluginData(asBytes(m));
      }
    } else if ([VALUE.image, VALUE.histo, VALUE.audio, VALUE.tensor].includes(f.field as 4))
      v.otherKind = true;
  }
  return v;
}

/** Parses an Event; unknown fields are skipped, as protobuf readers do. */
export function decodeEvent(buf: Buffer): TbEvent {
  const ev: TbEvent = { wallTime: 0, step: 0 };
  for (const f of readFields(buf)) {
    switch (f.field) {
      case EVENT.wallTime:
        ev.wallTime = asDouble(f);
        break;
      case EVENT.step:
        ev.step = asInt64(f);
        break;
      case EVENT.fileVersion:
        ev.fileVersion = asString(f);
        break;
      case EVENT.summary:
        ev.summary = readFields(asBytes(f))
          .filter((s) => s.field === SUMMARY_VALUE)
          .map((s) => decodeSummaryValue(asBytes(s)));
        break;
      case EVENT.sourceMetadata:
        for (const s of readFields(asBytes(f)))
          if (s.field === SOURCE_METADATA_WRITER) ev.sourceWriter = asString(s);
        break;
    }
  }
  return ev;
}
