/**
 * The one way Kiln writes files that must never be seen half-written (.hydra/*.yaml, logger metadata,
 * checkpoints): a temporary file in the same folder, flushed to disk, then renamed over the target. A crash
 * leaves the old file or the new one; the temporary files of processes that died mid-write are removed by the
 * next write into that folder. File-system failures become a FileSystemError that names the file, says what
 * the system error means in words (read-only, disk full, a file in the way, permission), the config key that
 * chose the place when the caller knows it, and how to fix it.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join, parse, resolve } from "node:path";

/** What was being done to the file when the system refused. */
export type FileAction = "write" | "create folder" | "read" | "append to" | "save checkpoint";

/** A file-system failure explained: `path` is the file or folder, `place` the setting that chose it. */
export class FileSystemError extends Error {
  override name = "FileSystemError";
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly path: string,
    readonly action: FileAction,
    readonly place: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The same failure, attributed to `place` (a config key) when no place was known where it was raised. */
  withPlace(place: string | undefined): FileSystemError {
    if (place === undefined || this.place !== undefined) return this;
    return describeIoError(this.cause, this.action, this.path, place);
  }
}

/** The system error code of a Node fs error (EROFS, ENOSPC, ...), if it is one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** The nearest ancestor of `path` (itself included) that exists, and whether it is a folder. */
function nearestExisting(path: string): { path: string; isDir: boolean } | null {
  let p = resolve(path);
  for (;;) {
    try {
      return { path: p, isDir: statSync(p).isDirectory() };
    } catch {
      const up = dirname(p);
      if (up === p) return null;
      p = up;
    }
  }
}

function uid(): string {
  return typeof process.getuid === "function" ? ` (uid ${process.getuid()})` : "";
}

/** The words for a system error code: what it means here, and how to fix it. */
function explain(
  code: string | undefined,
  path: string,
  place: string | undefined,
  action: FileAction,
): [string, string] {
  const elsewhere = place ? `set ${place} to` : "use";
  const existing = nearestExisting(path);
  if (action === "read") return explainRead(code, path, place);
  switch (code) {
    case "EROFS":
      return ["the file system is read-only (EROFS)", `${elsewhere} a folder on a writable disk`];
    case "ENOSPC":
      return ["the disk is full (ENOSPC)", `free some space there, or ${elsewhere} a folder on another disk`];
    case "EDQUOT":
      return ["the disk quota is used up (EDQUOT)", `free some space, or ${elsewhere} another folder`];
    case "ENOTDIR": {
      const blocker = existing !== null && !existing.isDir ? existing.path : "a part of the path";
      return [
        `'${blocker}' is a file, not a folder (ENOTDIR)`,
        `remove or rename that file, or ${elsewhere} another folder`,
      ];
    }
    case "EEXIST":
      return [
        "a file already exists where a folder is needed (EEXIST)",
        `remove or rename it, or ${elsewhere} another folder`,
      ];
    case "EISDIR":
      return ["it is a folder, not a file (EISDIR)", `remove that folder, or ${elsewhere} another path`];
    case "EACCES":
    case "EPERM": {
      const folder = existing?.isDir ? existing.path : dirname(path);
      return [
        `permission denied (${code}): this user${uid()} may not write to '${folder}'`,
        `change that folder's permissions, or ${elsewhere} a folder this user owns`,
      ];
    }
    case "ENOENT":
      return [
        "a folder on the way does not exist (ENOENT)",
        `create it first, or ${elsewhere} an existing folder`,
      ];
    case "EMFILE":
    case "ENFILE":
      return [`too many files are open (${code})`, "close other programs or raise the limit (ulimit -n)"];
    default:
      return [code ?? "an unexpected error", `${elsewhere} another folder`];
  }
}

/** The words for a failure to read `path`. */
function explainRead(code: string | undefined, path: string, place: string | undefined): [string, string] {
  const other = place ? `, or set ${place} to another folder` : "";
  switch (code) {
    case "EACCES":
    case "EPERM":
      return [
        `permission denied (${code}): this user${uid()} may not read it`,
        `give this user read access (chmod a+rX on the folder and its files)${other}`,
      ];
    case "ENOTDIR": {
      const existing = nearestExisting(path);
      const blocker = existing !== null && !existing.isDir ? `'${existing.path}'` : "a part of the path";
      return [
        `${blocker} is a file, not a folder (ENOTDIR)`,
        place ? `set ${place} to a folder` : "point at a folder",
      ];
    }
    case "EISDIR":
      return ["it is a folder, not a file (EISDIR)", `point at the file${other}`];
    case "ENOENT":
      return ["it does not exist (ENOENT)", `check the path${other}`];
    default:
      return [code ?? "an unexpected error", `check the path${other}`];
  }
}

/** A FileSystemError for `err` raised while doing `action` to `path`; `place` is the config key behind it. */
export function describeIoError(
  err: unknown,
  action: FileAction,
  path: string,
  place?: string,
): FileSystemError {
  const code = errorCode(err);
  const [what, fix] = explain(code, path, place, action);
  const chosen = place ? ` (the place comes from ${place})` : "";
  const detail = code === undefined && err instanceof Error ? `: ${err.message}` : "";
  return new FileSystemError(
    `cannot ${action} '${path}'${chosen}: ${what}${detail}. Fix: ${fix}.`,
    code,
    path,
    action,
    place,
    { cause: err },
  );
}

/**
 * mkdir -p with an explained failure. Node's recursive mkdir reports the deepest path with a misleading code
 * (ENOENT for a read-only parent), so on failure the first folder that cannot be made is retried alone, and
 * its own error is the one reported.
 */
export function makeDirs(dir: string, place?: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    return;
  } catch (err) {
    throw explainMkdir(err, resolve(dir), place);
  }
}

function explainMkdir(err: unknown, dir: string, place: string | undefined): FileSystemError {
  const root = parse(dir).root;
  const parts = dir
    .slice(root.length)
    .split(/[\\/]+/)
    .filter(Boolean);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    let isDir: boolean | null = null;
    try {
      isDir = statSync(current).isDirectory();
    } catch {
      // missing: made below
    }
    if (isDir === true) continue;
    if (isDir === false) {
      const code = current === dir ? "EEXIST" : "ENOTDIR"; // the target itself, or a folder on the way
      return describeIoError(Object.assign(new Error(code), { code }), "create folder", dir, place);
    }
    try {
      mkdirSync(current);
    } catch (own) {
      return describeIoError(own, "create folder", current, place);
    }
  }
  return describeIoError(err, "create folder", dir, place);
}

/** Options of writeAtomic / writeFileAtomic. */
export interface AtomicWriteOptions {
  /** The config key (or option) that chose where the file goes, named in errors. */
  place?: string;
  /** File mode of a new file (default 0o644). */
  mode?: number;
  /** Create the folder first (default true). */
  makeFolder?: boolean;
  /** How errors name the operation (default "write"). */
  action?: FileAction;
}

// `<name>.tmp-<pid>-<8 hex>`: the pid says whose it is, so a later process can tell a dead writer's leftover.
const TEMPORARY = /\.tmp-(\d+)-[0-9a-f]{8}$/;
const swept = new Set<string>();

/** The temporary name a write of `path` uses. */
export function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** True when `name` is a temporary file of an atomic write (of any process). */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY.test(name);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM"; // it exists, owned by another user
  }
}

/**
 * Removes the temporary files that processes which no longer run left in `dir` (killed mid-write). Done
 * once per folder and process, before its first write there; returns the names removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  const key = resolve(dir);
  if (swept.has(key)) return [];
  swept.add(key);
  let names: string[];
  try {
    names = readdirSync(key);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (m === null || processAlive(Number(m[1]))) continue;
    try {
      rmSync(join(key, name), { force: true });
      removed.push(name);
    } catch {
      // Not ours to remove (permissions): it stays, as it did before.
    }
  }
  return removed;
}

/** Forgets which folders were swept (tests). */
export function resetSweptFolders(): void {
  swept.clear();
}

/** Writes all of `bytes` to `fd`. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes `path` through `write(fd)` on a temporary file, fsync, rename. A system error becomes a
 * FileSystemError naming `path`; any other error from `write` passes through unchanged. The target is
 * untouched unless the whole write succeeded.
 */
export function writeAtomic(path: string, write: (fd: number) => void, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(resolve(path));
  if (opts.makeFolder !== false) makeDirs(dir, opts.place);
  removeStaleTemporaries(dir);
  const tmp = temporaryName(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", opts.mode ?? 0o644);
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the write error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    if (errorCode(err) === undefined) throw err;
    throw describeIoError(err, opts.action ?? "write", path, opts.place);
  }
  syncFolder(dir);
}

/** Writes a whole file atomically (see writeAtomic). */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  writeAtomic(path, (fd) => writeAll(fd, bytes), opts);
}

// A crash right after the rename could otherwise lose the new directory entry on some file systems.
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported everywhere, and the file itself is complete either way.
  }
}
