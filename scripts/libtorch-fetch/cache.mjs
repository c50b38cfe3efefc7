// The libtorch cache outside the repo: ${XDG_CACHE_HOME:-~/.cache}/kiln/libtorch/<version>-<variant>/.
// An entry is built in a temporary folder and renamed into place, so an interrupted fetch never leaves half a cache.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const MARKER = "kiln-libtorch.json";

/** Folder holding all cached libtorch entries. */
export function cacheBase(env = process.env) {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kiln", "libtorch");
}

/** Why `root` is not an unpacked libtorch (lib/libtorch.so and include/ATen), or null when it is one. */
export function isLibtorchRoot(root) {
  if (!existsSync(root)) return "does not exist";
  for (const need of ["lib/libtorch.so", "lib/libtorch_cpu.so", "lib/libc10.so", "include/ATen/ATen.h"]) {
    if (!existsSync(join(root, need))) return `has no ${need}`;
  }
  return null;
}

/** The cached entry in `dir` ({ root, source, detail, version, variant }) or null when absent or incomplete. */
export function readCacheEntry(dir) {
  const file = join(dir, MARKER);
  if (!existsSync(file)) return null;
  try {
    const marker = JSON.parse(readFileSync(file, "utf8"));
    const root = join(dir, marker.root);
    return isLibtorchRoot(root) === null ? { ...marker, root } : null;
  } catch {
    return null;
  }
}

/** Builds a cache entry with `fill(tmp)` (returns the marker fields), then renames it to `dir`. */
export async function installIntoCache(dir, fill) {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const marker = await fill(tmp);
    const why = isLibtorchRoot(join(tmp, marker.root));
    if (why) throw new Error(`unpacked files are not a libtorch: ${marker.root} ${why}`);
    writeFileSync(
      join(tmp, MARKER),
      `${JSON.stringify({ ...marker, fetchedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return readCacheEntry(dir);
}

// Python's zipfile is always there where pip is, and lets us unpack only the folders we need.
const UNZIP = `
import sys, zipfile
zf, dest, prefixes = sys.argv[1], sys.argv[2], tuple(sys.argv[3:])
with zipfile.ZipFile(zf) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith(prefixes)])
`;

/** Extracts the members of `zip` whose names start with one of `prefixes` into `dest`. */
export function extractZip(zip, dest, prefixes) {
  const r = spawnSync(process.env.PYTHON || "python3", ["-c", UNZIP, zip, dest, ...prefixes], {
    encoding: "utf8",
  });
  if (r.error) throw new Error(`python3 could not unpack ${zip}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`unpacking ${zip} failed: ${r.stderr.trim().split("\n").pop()}`);
}
