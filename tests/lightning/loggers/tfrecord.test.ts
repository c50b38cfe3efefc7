// TFRecord framing, CRC32C and the event decoder, checked against the event files Lightning 2.6.6 wrote
// (tests/fixtures/lightning/tb) and their decode by tensorboard's own protos (tb.events.txt).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { crc32c, maskedCrc32c } from "../../../src/lightning/loggers/tensorboard/crc32c.js";
import { decodeEvent, encodeEvent } from "../../../src/lightning/loggers/tensorboard/event.js";
import { readEventFile } from "../../../src/lightning/loggers/tensorboard/reader.js";
import {
  encodeRecord,
  RecordCorruptError,
  readRecords,
} from "../../../src/lightning/loggers/tensorboard/tfrecord.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "lightning");
const tbDir = join(fixtures, "tb", "version_0");
const fitFile = join(tbDir, "events.out.tfevents.1795721913.vm.28693.0");
const testFile = join(tbDir, "events.out.tfevents.1795721913.vm.28693.1");

/** The `--- record N @offset O: payload P bytes` lines of tb.events.txt, per file. */
function goldenIndex(): Map<string, { offset: number; size: number; step: number; tags: string[] }[]> {
  const out = new Map<string, { offset: number; size: number; step: number; tags: string[] }[]>();
  let current: { offset: number; size: number; step: number; tags: string[] }[] = [];
  for (const line of readFileSync(join(fixtures, "tb.events.txt"), "utf8").split("\n")) {
    const file = /^=== (\S+)/.exec(line);
    if (file) {
      current = [];
      out.set(file[1], current);
    }
    const rec = /^--- record \d+ @offset (\d+): payload (\d+) bytes, crc ok/.exec(line);
    if (rec) current.push({ offset: Number(rec[1]), size: Number(rec[2]), step: 0, tags: [] });
    const step = /^step: (\d+)/.exec(line);
    if (step) current[current.length - 1].step = Number(step[1]);
    const tag = /^ {4}tag: "(.*)"/.exec(line);
    if (tag) current[current.length - 1].tags.push(tag[1]);
  }
  return out;
}

test("crc32c matches the standard check value and TFRecord's masking", () => {
  assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  // The masked CRC of the first record's length field, as stored in the golden file.
  const data = readFileSync(fitFile);
  assert.equal(maskedCrc32c(data.subarray(0, 8)), data.readUInt32LE(8));
});

test("the golden event files split into records at the offsets tensorboard reported, all CRCs valid", () => {
  const index = goldenIndex();
  for (const file of [fitFile, testFile]) {
    const golden = index.get(file.split("/").pop() ?? "") ?? [];
    assert.equal(golden.length, file === fitFile ? 39 : 8);
    const { records, truncatedTailBytes } = readRecords(readFileSync(file), file);
    assert.equal(truncatedTailBytes, 0);
    assert.deepEqual(
      records.map((r) => [r.offset, r.payload.length]),
      golden.map((g) => [g.offset, g.size]),
    );
    const events = readEventFile(file).events;
    assert.deepEqual(
      events.map((e) => [e.step, (e.summary ?? []).map((v) => v.tag)]),
      golden.map((g) => [g.step, g.tags]),
    );
  }
});

test("decoded golden events: header, float32 scalars, omitted step 0", () => {
  const events = readEventFile(fitFile).events;
  assert.equal(events.length, 39);
  assert.equal(events[0].fileVersion, "brain.Event:2");
  assert.equal(events[0].sourceWriter, "tensorboard.summary.writer.event_file_writer");
  assert.equal(events[0].wallTime, 1795721913.2251318);
  assert.deepEqual(events[1].summary, [{ tag: "hp_metric", simpleValue: -1 }]);
  assert.equal(events[5].summary?.[0].simpleValue, Math.fround(0.8169381618499756));
  assert.equal(events[5].step, 0);
  assert.equal(events[9].step, 1);
});

test("encodeEvent reproduces every non-plugin golden payload byte for byte", () => {
  for (const file of [fitFile, testFile]) {
    for (const { payload } of readRecords(readFileSync(file)).records) {
      const ev = decodeEvent(payload);
      if (ev.summary?.some((v) => v.plugin)) continue; // plugin records: tensorboard.test.ts
      assert.deepEqual(encodeEvent(ev), payload);
    }
  }
});

test("a flipped payload byte or length byte is reported with the file and record offset", () => {
  const data = Buffer.from(readFileSync(fitFile));
  data[88 + 12 + 5] ^= 0x01; // inside record 1's payload
  assert.throws(
    () => readRecords(data, "x.tfevents"),
    (e: unknown) =>
      e instanceof RecordCorruptError && e.offset === 88 && /payload CRC mismatch/.test(e.message),
  );
  const data2 = Buffer.from(readFileSync(fitFile));
  data2[133] ^= 0x40; // record 2's length
  assert.throws(
    () => readRecords(data2, "y.tfevents"),
    /y\.tfevents: corrupt TFRecord at byte 133: length CRC mismatch/,
  );
});

test("a partly written last record is reported as a truncated tail, not an error", () => {
  const whole = Buffer.concat([encodeRecord(Buffer.from("abc")), encodeRecord(Buffer.from("defgh"))]);
  for (const cut of [1, 4, 12, 15, 19]) {
    const part = whole.subarray(0, whole.length - cut);
    const { records, truncatedTailBytes } = readRecords(part);
    assert.deepEqual(
      records.map((r) => r.payload.toString()),
      ["abc"],
    );
    assert.equal(truncatedTailBytes, part.length - 19);
  }
});
