/** File helpers for the loggers: Lightning's `version_N` numbering (atomic writes: src/common/files.ts). */
import { readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** True when the path is an existing directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when the path is an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Lightning's `_get_next_version`: one more than the largest N of the `version_N` folders in `root`
 * (0 when there are none or `root` does not exist). As in Python, `version_3_x` counts as 3.
 */
export function nextVersion(root: string): number {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return 0;
  }
  let max = -1;
  for (const name of names) {
    if (!name.startsWith("version_") || !isDir(join(root, name))) continue;
    const part = name.split("_")[1];
    if (/^[0-9]+$/.test(part)) max = Math.max(max, Number(part));
  }
  return max + 1;
}

/** The folder name of a version: strings as they are, numbers as `version_N`. */
export function versionFolder(version: number | string): string {
  return typeof version === "string" ? version : `version_${version}`;
}

/** os.path.expanduser + expandvars: a leading `~`, then `$NAME` / `${NAME}` of set variables (others stay). */
export function expandPath(path: string): string {
  const home = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
  return home.replace(/\$(\w+|\{[^}]*\})/g, (whole, ref: string) => {
    const name = ref.startsWith("{") ? ref.slice(1, -1) : ref;
    return process.env[name] ?? whole;
  });
}
