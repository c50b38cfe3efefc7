/**
 * Where runs go: a local file store (a path or a `file:` URI) or a tracking server (http/https), resolved like
 * Lightning's MLFlowLogger: `tracking_uri`, else $MLFLOW_TRACKING_URI, else `file:<save_dir>`.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A resolved tracking target. */
export type TrackingTarget = { kind: "file"; root: string; uri: string } | { kind: "rest"; baseUrl: string };

/** Lightning's default when neither tracking_uri nor $MLFLOW_TRACKING_URI is set: `file:` + save_dir. */
export const LOCAL_FILE_URI_PREFIX = "file:";

/** The local folder a `file:` URI or plain path names (relative paths stay relative to the cwd). */
export function fileUriToPath(uri: string): string {
  if (uri.startsWith("file://")) return fileURLToPath(uri);
  if (uri.startsWith(LOCAL_FILE_URI_PREFIX)) return uri.slice(LOCAL_FILE_URI_PREFIX.length);
  return uri;
}

/** `file:///abs/path` for a local path, as MLflow's path_to_local_file_uri writes into meta.yaml. */
export function pathToFileUri(path: string): string {
  return pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
}

/** Picks the tracking target from the logger options and the environment. */
export function resolveTrackingTarget(
  trackingUri: string | null | undefined,
  saveDir: string | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TrackingTarget {
  const uri = trackingUri || env.MLFLOW_TRACKING_URI || `${LOCAL_FILE_URI_PREFIX}${saveDir ?? "./mlruns"}`;
  if (/^https?:\/\//i.test(uri)) return { kind: "rest", baseUrl: uri.replace(/\/+$/, "") };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1];
  if (scheme && scheme.toLowerCase() !== "file" && scheme.length > 1) {
    throw new Error(
      `MLFlowLogger: tracking_uri '${uri}' uses the scheme '${scheme}:', which Kiln does not support. ` +
        "Use a local path or `file:` URI (a file store) or an http(s):// tracking server " +
        "(start one with `mlflow server --backend-store-uri sqlite:///mlflow.db`).",
    );
  }
  return { kind: "file", root: fileUriToPath(uri), uri };
}
