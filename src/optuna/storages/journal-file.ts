/**
 * Optuna's JournalFileBackend: one JSON operation per line, appended under a lock so that parallel processes
 * share the file. The lock is Optuna's JournalFileSymlinkLock (`<file>.lock` created by symlink(2), released
 * by rename + unlink, broken after a 30 s grace period without progress), so Kiln and Python Optuna processes
 * can write the same journal. Each append is one write(2) of whole lines, fsynced; a reader ignores a last
 * line that is still being written.
 */
import { randomUUID } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { PyFloat } from "../../common/pyvalue.js";
import { warn } from "../logging.js";
import { pyJsonDumps, pyJsonLoads } from "../pyjson.js";
import type { JournalRecord } from "./journal-replay.js";

/** Where journal lines are kept. */
export interface JournalBackend {
  /** The records from line number `from` (0-based) to the last complete line. */
  readLogs(from: number): JournalRecord[];
  /** Appends records atomically (PyFloat values mark floats that Python's JSON must print as floats). */
  appendLogs(records: Record<string, unknown>[]): void;
}

/** The record with PyFloat wrappers replaced by their numbers (what reading its JSON line gives). */
function plain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Journal records kept in this process only (`storage: null`): no JSON round trip. */
export class InMemoryJournalBackend implements JournalBackend {
  private readonly records: JournalRecord[] = [];

  readLogs(from: number): JournalRecord[] {
    return this.records.slice(from);
  }

  appendLogs(records: Record<string, unknown>[]): void {
    for (const r of records) this.records.push(plain(r) as JournalRecord);
  }
}

/**
 * An in-memory journal that also records its lines in a file (a fresh one): the study lives in this process,
 * as with `storage: null`, while Optuna, optuna-dashboard and `kiln sweep-report` can read the record.
 */
export class RecordedMemoryBackend extends InMemoryJournalBackend {
  constructor(readonly path: string) {
    super();
    writeFileSync(path, "");
  }

  override appendLogs(records: Record<string, unknown>[]): void {
    super.appendLogs(records);
    appendFileSync(this.path, `${records.map((r) => pyJsonDumps(r, true)).join("\n")}\n`);
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Optuna's symlink lock on `<path>.lock`. */
export class JournalFileSymlinkLock {
  readonly lockFile: string;

  constructor(
    readonly target: string,
    readonly gracePeriodSeconds: number | null = 30,
  ) {
    this.lockFile = `${target}.lock`;
  }

  /** Blocks until the lock is held. */
  acquire(): void {
    let sleepMs = 1;
    let lastMtime: number | null = null;
    let lastProgress = Date.now();
    let lastWarning = Date.now();
    for (;;) {
      try {
        symlinkSync(this.target, this.lockFile);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      if (Date.now() - lastWarning > 10_000) {
        warn(`It is taking longer than 10.0 seconds to acquire the lock file: ${this.lockFile} Retrying...`);
        lastWarning = Date.now();
      }
      if (this.gracePeriodSeconds !== null) {
        let mtime: number;
        try {
          mtime = lstatSync(this.lockFile).mtimeMs;
        } catch {
          continue;
        }
        if (mtime !== lastMtime) {
          lastMtime = mtime;
          lastProgress = Date.now();
        }
        if (Date.now() - lastProgress > this.gracePeriodSeconds * 1000) {
          warn(
            "The existing lock file has not been released for an extended period. Forcibly releasing the lock file.",
          );
          try {
            this.release();
            sleepMs = 1;
          } catch {
            // another process broke it first
          }
          continue;
        }
      }
      sleepSync(sleepMs);
      sleepMs = Math.min(sleepMs * 2, 1000);
    }
  }

  /** Releases the lock (rename first, so that two releasers cannot both unlink a new holder's lock). */
  release(): void {
    const renamed = `${this.lockFile}${randomUUID()}.rename`;
    try {
      renameSync(this.lockFile, renamed);
    } catch {
      throw new Error("Error: did not possess lock");
    }
    unlinkSync(renamed);
  }
}

/** A journal file shared by every process that opens it. */
export class JournalFileBackend implements JournalBackend {
  private readonly offsets = new Map<number, number>([[0, 0]]);
  readonly lock: JournalFileSymlinkLock;

  constructor(readonly path: string) {
    this.lock = new JournalFileSymlinkLock(path);
    if (!existsSync(path)) closeSync(openSync(path, "a"));
  }

  readLogs(from: number): JournalRecord[] {
    const fd = openSync(this.path, "r");
    try {
      const size = fstatSync(fd).size;
      const known = this.offsets.has(from);
      let lineNo = known ? from : 0;
      let offset = known ? this.offsets.get(from)! : 0;
      const buf = Buffer.alloc(Math.max(0, size - offset));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      const out: JournalRecord[] = [];
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0 || nl >= got) break; // a last line without its newline is still being written
        const line = buf.subarray(start, nl).toString("utf8");
        let record: JournalRecord;
        try {
          record = pyJsonLoads(line) as JournalRecord;
        } catch (e) {
          throw new Error(
            `${this.path}:${lineNo + 1}: not an Optuna journal line (${(e as Error).message}); the journal is damaged`,
          );
        }
        offset += nl + 1 - start;
        lineNo += 1;
        this.offsets.set(lineNo, offset);
        if (lineNo - 1 >= from) out.push(record);
        start = nl + 1;
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }

  appendLogs(records: Record<string, unknown>[]): void {
    const lines = records.map((r) => pyJsonDumps(r, true));
    this.lock.acquire();
    try {
      const fd = openSync(this.path, "a");
      try {
        const data = Buffer.from(`${lines.join("\n")}\n`, "utf8");
        for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } finally {
      this.lock.release();
    }
  }
}
