/**
 * What a data folder holds, told apart from what cannot be read. `existsSync` says "no" both for a file that
 * is not there and for one behind a folder this user may not enter, so a permission problem looked like "no
 * data" and the run trained on the bundled digits instead. Here a folder that is a file, or that cannot be
 * read, is an error naming it and the setting behind it; only a folder that does not exist, or holds none of
 * the dataset's files, counts as having no data.
 */
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describeIoError, errorCode } from "../common/files.js";
import { DATASETS, type DatasetName } from "./mnist-files.js";

/** The dataset's files found in the folder (base name without .gz -> path), and the ones missing. */
export interface IdxFolder {
  files: Record<string, string>;
  missing: string[];
  /** True when the folder does not exist or holds none of the four files. */
  empty: boolean;
}

/**
 * Throws unless every existing part of `dir`'s path is a folder this user can enter; false when `dir` does not
 * exist (no data there), true when it does.
 */
export function checkDataFolder(dir: string, place: string): boolean {
  const parts: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    parts.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of parts) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      if (errorCode(err) === "ENOENT") return false; // not there: no data (the parts below are not either)
      throw describeIoError(err, "read", p, place);
    }
    if (!isDir)
      throw describeIoError(Object.assign(new Error("ENOTDIR"), { code: "ENOTDIR" }), "read", p, place);
  }
  return true;
}

/**
 * The four IDX files of `dataset` in `dir` (raw or .gz). A folder on the way that is a file, or that this user
 * may not read, and a data file this user may not read, are FileSystemErrors naming the path and `place`.
 */
export function inspectIdxFolder(dataset: DatasetName, dir: string, place: string): IdxFolder {
  const d = DATASETS[dataset];
  const names = [...d.train, ...d.test].map((r) => r.name);
  if (!checkDataFolder(dir, place)) return { files: {}, missing: names.map((n) => `${n}[.gz]`), empty: true };
  let entries: Set<string>;
  try {
    entries = new Set(readdirSync(dir));
  } catch (err) {
    throw describeIoError(err, "read", dir, place);
  }
  const files: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const found = [name, `${name}.gz`].find((n) => entries.has(n));
    if (found === undefined) {
      missing.push(`${name}[.gz]`);
      continue;
    }
    const path = join(dir, found);
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      throw describeIoError(err, "read", path, place);
    }
    files[name] = path;
  }
  return { files, missing, empty: missing.length === names.length };
}
