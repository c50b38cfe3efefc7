// The time `${now:...}` resolves to. Normally the moment of the call. Under torchrun (TORCHELASTIC_RUN_ID set),
// the first attempt's start: every worker of the job on this machine, and every worker the agent restarts
// after a failure, resolves the same run folder (logs/<task>/runs/<time>), so a restarted run finds the
// last.ckpt of its earlier attempts. The first worker to resolve it writes it to a file named after the run id
// in the temporary folder (created exclusively: the first writer wins); the others read it.
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The launch time of this run (see above). */
export function launchTime(env: Readonly<Record<string, string | undefined>> = process.env): Date {
  const runId = env.TORCHELASTIC_RUN_ID;
  if (!runId) return new Date();
  const file = join(tmpdir(), `kiln-torchelastic-${runId.replace(/[^\w.-]/g, "_")}.time`);
  const now = new Date();
  try {
    writeFileSync(file, now.toISOString(), { flag: "wx" });
    return now;
  } catch {
    try {
      const recorded = new Date(readFileSync(file, "utf8").trim());
      return Number.isNaN(recorded.getTime()) ? now : recorded;
    } catch {
      return now;
    }
  }
}
