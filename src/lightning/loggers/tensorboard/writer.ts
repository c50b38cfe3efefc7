/**
 * Event file writing in the shape of torch.utils.tensorboard: an EventFileWriter owns one
 * `events.out.tfevents.<secs>.<host>.<pid>.<n>` file; a SummaryWriter (the TensorBoardLogger's `experiment`)
 * opens a new file when used again after close(), as torch's `_get_file_writer` does (fit, then test).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describeIoError, makeDirs } from "../../../common/files.js";
import { encodeEvent, type SummaryValue, type TbEvent } from "./event.js";
import { encodeRecord } from "./tfrecord.js";

/** Options of SummaryWriter (torch's names). */
export interface SummaryWriterOptions {
  /** Records buffered before they are written (default 10). */
  max_queue?: number;
  /** Seconds between writes of buffered records (default 120). */
  flush_secs?: number;
  /** Appended to every event file name. */
  filename_suffix?: string;
}

/** time.time(): seconds since the epoch with sub-millisecond digits. */
export function wallTimeNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

// tensorboard's _global_uid: a per-process counter that makes file names unique (the trailing `.<n>`).
let nextFileUid = 0;
// Writers with buffered records, flushed if the process exits without closing them (the 'exit' listener is
// installed with the first writer, not on import).
const openWriters = new Set<EventFileWriter>();
let flushOnExit = false;

function trackOpenWriter(writer: EventFileWriter): void {
  if (!flushOnExit) {
    flushOnExit = true;
    process.on("exit", () => {
      for (const w of openWriters) w.close();
    });
  }
  openWriters.add(writer);
}

/** One event file: the `brain.Event:2` header record first, then buffered records. */
export class EventFileWriter {
  readonly path: string;
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private lastWrite: number;

  constructor(
    readonly logDir: string,
    private readonly options: SummaryWriterOptions = {},
  ) {
    makeDirs(logDir);
    const now = wallTimeNow();
    const secs = String(Math.floor(now)).padStart(10, "0");
    const name = `events.out.tfevents.${secs}.${hostname()}.${process.pid}.${nextFileUid++}`;
    this.path = join(logDir, name + (options.filename_suffix ?? ""));
    try {
      this.fd = openSync(this.path, "a");
    } catch (err) {
      throw describeIoError(err, "write", this.path);
    }
    this.lastWrite = now;
    trackOpenWriter(this);
    this.addEvent({
      wallTime: now,
      step: 0,
      fileVersion: "brain.Event:2",
      sourceWriter: "tensorboard.summary.writer.event_file_writer",
    });
    this.flush();
  }

  /** Queues one event; writes the queue when it is full or flush_secs have passed. */
  addEvent(event: TbEvent): void {
    if (this.fd === undefined) throw new Error(`event file ${this.path} is closed`);
    this.pending.push(encodeRecord(encodeEvent(event)));
    const now = wallTimeNow();
    if (
      this.pending.length >= (this.options.max_queue ?? 10) ||
      now - this.lastWrite >= (this.options.flush_secs ?? 120)
    ) {
      this.flush();
    }
  }

  /** Writes the queued records to the file. */
  flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
    this.lastWrite = wallTimeNow();
  }

  /** Flushes and closes the file. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
    openWriters.delete(this);
  }
}

/** torch's SummaryWriter, reduced to what the loggers need: scalars, raw summaries, flush, close. */
export class SummaryWriter {
  private writer: EventFileWriter | undefined;

  constructor(
    readonly logDir: string,
    private readonly options: SummaryWriterOptions = {},
  ) {
    // torch creates the file writer (and the file) in the constructor.
    this.fileWriter();
  }

  /** The current event file writer; a closed SummaryWriter opens a new file (with the next counter). */
  fileWriter(): EventFileWriter {
    this.writer ??= new EventFileWriter(this.logDir, this.options);
    return this.writer;
  }

  /** The path of the event file being written, if one is open. */
  get currentFile(): string | undefined {
    return this.writer?.path;
  }

  /** add_scalar: one float32 `simple_value` at `step` (omitted when undefined). */
  addScalar(tag: string, value: number, step?: number, wallTime?: number): void {
    if (typeof value !== "number") {
      throw new TypeError(`add_scalar('${tag}'): expected a number, got ${typeof value}`);
    }
    this.addSummary([{ tag, simpleValue: value }], step, wallTime);
  }

  /** add_summary: an event holding these summary values. */
  addSummary(values: SummaryValue[], step?: number, wallTime?: number): void {
    this.fileWriter().addEvent({ wallTime: wallTime ?? wallTimeNow(), step: step ?? 0, summary: values });
  }

  /** Writes buffered records (nothing to do when closed). */
  flush(): void {
    this.writer?.flush();
  }

  /** Flushes and closes the current file; later writes go to a new file. */
  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}
