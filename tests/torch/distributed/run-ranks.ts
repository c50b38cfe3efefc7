// Runs a worker script as two ranks of one Gloo group (tsx subprocesses on a free loopback port) and collects
// what each printed as its last JSON line.
import { spawn } from "node:child_process";
import { findFreePort } from "../../../src/torch/distributed/index.js";

/** One rank's exit code, its last stdout line parsed as JSON ({} when there is none), and its stderr. */
export interface RankResult {
  code: number | null;
  out: Record<string, unknown>;
  stderr: string;
}

function runRank(
  worker: string,
  rank: number,
  port: number,
  env: Record<string, string>,
): Promise<RankResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker], {
      env: {
        ...process.env,
        RANK: String(rank),
        WORLD_SIZE: "2",
        MASTER_ADDR: "127.0.0.1",
        MASTER_PORT: String(port),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      resolve({ code, out: line.startsWith("{") ? JSON.parse(line) : {}, stderr });
    });
  });
}

/** Ranks 0 and 1 of `worker`, started together; `env` is added to both. */
export async function runTwoRanks(worker: string, env: Record<string, string> = {}): Promise<RankResult[]> {
  const port = await findFreePort();
  return Promise.all([runRank(worker, 0, port, env), runRank(worker, 1, port, env)]);
}
