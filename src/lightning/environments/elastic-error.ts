// torchrun's error file: a worker that fails writes its error to TORCHELASTIC_ERROR_FILE, in the JSON that
// torch.distributed.elastic's ErrorHandler.record_exception writes, so that the agent reports the root cause
// ("Root Cause (first observed failure): ... exitcode ... error_file ... traceback") instead of a bare exit code.
import { writeFileSync } from "node:fs";
import type { Env } from "./cluster-environment.js";

/** The error file's content for `error` (torch's record_exception format). */
export function elasticErrorRecord(error: unknown, now = Date.now()): string {
  const err = error instanceof Error ? error : new Error(String(error));
  return JSON.stringify({
    message: {
      message: `${err.name}: ${err.message}`,
      extraInfo: {
        py_callstack: err.stack ?? `${err.name}: ${err.message}`,
        timestamp: String(Math.floor(now / 1000)),
      },
    },
  });
}

/**
 * Writes `error` to the file torchrun named for this worker (TORCHELASTIC_ERROR_FILE); does nothing outside
 * torchrun. Returns the file written, or null. Never throws: the original error is what matters.
 */
export function recordElasticError(error: unknown, env: Env = process.env): string | null {
  const file = env.TORCHELASTIC_ERROR_FILE;
  if (!file) return null;
  try {
    writeFileSync(file, elasticErrorRecord(error));
    return file;
  } catch {
    return null;
  }
}
