/**
 * log_model: which checkpoints of a ModelCheckpoint to upload and with what metadata, after Lightning's
 * `_scan_checkpoints` and MLFlowLogger `_scan_and_log_checkpoints` (artifact folder `<prefix>/<ckpt stem>/`
 * holding the checkpoint, `metadata.yaml` and `aliases.txt`).
 */
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join, posix } from "node:path";
import { stringify } from "yaml";
import { writeFileAtomic } from "../../../common/files.js";
import type { CheckpointCallbackView } from "../logger.js";

/** One checkpoint to upload. */
export interface CheckpointToLog {
  mtimeMs: number;
  path: string;
  score: number | null | undefined;
  tag: "latest" | "best" | "best_k";
}

function mtime(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/** The saved checkpoints not uploaded yet (or changed since), oldest first. */
export function scanCheckpoints(
  cb: CheckpointCallbackView,
  logged: ReadonlyMap<string, number>,
): CheckpointToLog[] {
  const found = new Map<string, { score: number | null | undefined; tag: CheckpointToLog["tag"] }>();
  if (cb.lastModelPath) found.set(cb.lastModelPath, { score: undefined, tag: "latest" });
  if (cb.bestModelPath) found.set(cb.bestModelPath, { score: cb.bestModelScore, tag: "best" });
  for (const [path, score] of Object.entries(cb.bestKModels ?? {})) found.set(path, { score, tag: "best_k" });
  const out: CheckpointToLog[] = [];
  for (const [path, { score, tag }] of found) {
    const t = mtime(path);
    if (t === undefined) continue;
    const before = logged.get(path);
    if (before === undefined || before < t) out.push({ mtimeMs: t, path, score, tag });
  }
  return out.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
}

/** The artifact folder of a checkpoint: `<checkpoint_path_prefix>/<file stem>`. */
export function checkpointArtifactPath(prefix: string, path: string): string {
  const stem = basename(path, extname(path));
  return prefix ? posix.join(prefix, stem) : stem;
}

/** Writes `metadata.yaml` and `aliases.txt` for a checkpoint into a fresh temporary folder and returns it. */
export function writeCheckpointMetadata(cb: CheckpointCallbackView, ckpt: CheckpointToLog): string {
  const dir = mkdtempSync(join(tmpdir(), "kiln-mlflow-ckpt-"));
  const metadata = {
    score: ckpt.score ?? null,
    original_filename: basename(ckpt.path),
    Checkpoint: { monitor: cb.monitor ?? null },
  };
  // yaml.dump(default_flow_style=False) sorts keys; Python's str() of the alias list.
  writeFileAtomic(join(dir, "metadata.yaml"), stringify(metadata, { sortMapEntries: true }));
  const aliases = ckpt.path === cb.bestModelPath ? ["latest", "best"] : ["latest"];
  writeFileAtomic(join(dir, "aliases.txt"), `[${aliases.map((a) => `'${a}'`).join(", ")}]`);
  return dir;
}
