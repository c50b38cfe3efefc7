/**
 * Sending a spool later: the data a run kept for a tracking server it could not reach (`kiln runs --replay`).
 * The spool's header names the server and the run's spec; a run that was never created is created then (with
 * its original start time, name and tags), one that was is continued; the operations go out in their order,
 * the final status update last. What still cannot be sent stays in the spool, whose header then names the run,
 * so a second replay continues it instead of creating another.
 */
import { readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { RestBackend, type RunSpec } from "./backends.js";
import type { RestClientOptions } from "./rest-client.js";
import { readSpool, SPOOL_PREFIX, type SyncReport } from "./rest-sender.js";

/** The spool files at `path`: the file itself, or every spool under a folder (a run folder, logs/). */
export function findSpools(path: string): string[] {
  const root = resolve(path);
  if (!statSync(root).isDirectory()) return [root];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.startsWith(SPOOL_PREFIX) && name.endsWith(".jsonl")) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Options of replaySpool. */
export interface ReplayOptions {
  /** The server to send to (default: the one the spool's header names). */
  trackingUri?: string;
  /** How long to keep retrying an unreachable server (default 30 s). */
  deadlineMs?: number;
  http?: RestClientOptions;
  warn?: (message: string) => void;
}

/** What a replay did: the delivery report, the server and the run the data went to. */
export interface ReplayResult extends SyncReport {
  trackingUri: string;
  runId: string | undefined;
}

/** Sends one spool file to its tracking server; the file is removed once everything is sent. */
export async function replaySpool(path: string, options: ReplayOptions = {}): Promise<ReplayResult> {
  const { header } = readSpool(path);
  const trackingUri = options.trackingUri ?? (header.tracking_uri as string | undefined);
  if (!trackingUri || !/^https?:\/\//i.test(trackingUri)) {
    throw new Error(
      `the spool ${path} does not name an http(s) tracking server (an older format?): pass the server, ` +
        "e.g. `kiln runs --replay <spool> --to http://host:5000`",
    );
  }
  const spec = header.spec as RunSpec | undefined;
  if (spec === undefined || typeof spec.experimentName !== "string") {
    throw new Error(`the spool ${path} has no run spec in its header: it cannot be replayed`);
  }
  const runId = typeof header.run_id === "string" ? header.run_id : null;
  const deadlineMs = options.deadlineMs ?? 30_000;
  const backend = new RestBackend(
    trackingUri.replace(/\/+$/, ""),
    { ...spec, runId },
    dirname(path),
    options.warn ?? (() => {}),
    { http: { maxRetries: 1, ...options.http }, finalizeTimeoutMs: deadlineMs, replay: path },
  );
  const report = await backend.flush(deadlineMs);
  return { ...report, trackingUri, runId: backend.run?.runId };
}
