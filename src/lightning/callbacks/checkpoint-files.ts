/**
 * File operations of ModelCheckpoint: Python-style path joins (Lightning stores paths as os.path.join makes
 * them, relative stays relative), existence checks, removal of checkpoints that fell out of the top k, and
 * `save_last: "link"` links. A link replaces an old one by rename, so `last.ckpt` never goes missing.
 */
import { copyFileSync, existsSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";

/** Python's os.path.join: no normalisation; an absolute part restarts the path. */
export function pyJoin(...parts: string[]): string {
  let out = "";
  for (const part of parts) {
    if (isAbsolute(part) || out === "") out = part;
    else out = out.endsWith("/") ? out + part : `${out}/${part}`;
  }
  return out;
}

/** Python's os.path.realpath(os.path.expanduser(p)) for a path that may not exist yet. */
export function absoluteDir(path: string): string {
  const expanded = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
  return resolve(expanded);
}

/** Whether a checkpoint file (or link) exists at `path`. */
export function fileExists(path: string): boolean {
  return existsSync(path);
}

/** Whether `dirpath` is a folder with something in it. */
export function dirNotEmpty(dirpath: string): boolean {
  try {
    return readdirSync(dirpath).length > 0;
  } catch {
    return false;
  }
}

/** Deletes a checkpoint file; a missing file is not an error (it may have been removed by hand). */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** Whether `child` lies somewhere below `dir` (both made absolute first). */
export function isInside(child: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(child));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !rel.startsWith(`..${sep}`);
}

/** Points `linkPath` at `target` with a relative symlink (a copy where links are not allowed), atomically. */
export function linkCheckpoint(target: string, linkPath: string): void {
  if (resolve(target) === resolve(linkPath)) return;
  const tmp = `${dirname(linkPath)}/.${basename(linkPath)}.${process.pid}.link`;
  rmSync(tmp, { force: true });
  try {
    symlinkSync(relative(dirname(linkPath), target), tmp);
  } catch {
    copyFileSync(target, tmp);
  }
  renameSync(tmp, linkPath);
}

/** A Python `datetime.timedelta`, for train_time_interval and the state key that prints it. */
export class TimeDelta {
  constructor(readonly totalSeconds: number) {}

  /** Reads seconds, or a `{days, hours, minutes, seconds, milliseconds}` object like timedelta(**kwargs). */
  static from(value: unknown, where: string): TimeDelta {
    if (typeof value === "number") return new TimeDelta(value);
    if (value instanceof TimeDelta) return value;
    if (typeof value === "object" && value !== null) {
      const v = value as Record<string, unknown>;
      const units: Record<string, number> = {
        weeks: 604800,
        days: 86400,
        hours: 3600,
        minutes: 60,
        seconds: 1,
        milliseconds: 0.001,
        microseconds: 0.000001,
      };
      let total = 0;
      for (const [key, amount] of Object.entries(v)) {
        const unit = units[key];
        if (unit === undefined || typeof amount !== "number") {
          throw new TypeError(
            `${where}: unknown duration field '${key}' (use ${Object.keys(units).join(", ")})`,
          );
        }
        total += amount * unit;
      }
      return new TimeDelta(total);
    }
    throw new TypeError(`${where}: expected seconds or an object like { hours: 1 }, got ${typeof value}`);
  }

  /** Python's repr: `datetime.timedelta(days=1, seconds=3600)`. */
  toString(): string {
    const micros = Math.round(this.totalSeconds * 1e6);
    const days = Math.floor(micros / 86_400_000_000);
    const rest = micros - days * 86_400_000_000;
    const seconds = Math.floor(rest / 1e6);
    const microseconds = rest - seconds * 1e6;
    const parts: string[] = [];
    if (days !== 0) parts.push(`days=${days}`);
    if (seconds !== 0) parts.push(`seconds=${seconds}`);
    if (microseconds !== 0) parts.push(`microseconds=${microseconds}`);
    return `datetime.timedelta(${parts.length === 0 ? "0" : parts.join(", ")})`;
  }
}
