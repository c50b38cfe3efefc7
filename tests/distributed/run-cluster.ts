// Runs cluster-fit.ts as the tests' ranks and nodes: a clean environment (no launcher variables from the
// test runner), output captured, results read back.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLUSTER_FIT = fileURLToPath(new URL("./cluster-fit.ts", import.meta.url));

const LAUNCH_VARS = [
  "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
  "PL_GLOBAL_SEED", "TORCHELASTIC_RUN_ID", "TORCHELASTIC_RESTART_COUNT", "KILN_LAUNCHER_PID", "SLURM_NTASKS",
  "SLURM_JOB_ID", "OMP_NUM_THREADS",
]; // biome-ignore format: a word list

/** The test runner's environment without any launcher's variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of LAUNCH_VARS) if (!(key in extra)) delete env[key];
  return env;
}

/** Runs `command` to its end (or kills it after `timeoutMs`): exit code and all its output. */
export function run(
  command: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** `node --import tsx cluster-fit.ts`. */
export const nodeFit = [process.execPath, "--import", "tsx", CLUSTER_FIT];

export interface RankRecord {
  globalRank: number;
  localRank: number;
  nodeRank: number;
  worldSize: number;
  epoch: number;
  step: number;
  batches: number;
  ckptPath: string | null;
  restarts: number;
  params: Record<string, number[]>;
  buffers: Record<string, number[]>;
}

/** The rank<N>.json files of a run, by global rank. */
export function readRanks(out: string): RankRecord[] {
  return readdirSync(out)
    .filter((f) => /^rank\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(out, f), "utf8")) as RankRecord)
    .sort((a, b) => a.globalRank - b.globalRank);
}

/** How every process ended (exit<rank>-<pid>.json): exit code and the error it failed with. */
export function readExits(out: string): { rank: number; code: number; failure: string | null }[] {
  return readdirSync(out)
    .filter((f) => f.startsWith("exit"))
    .map((f) => ({
      rank: Number(/^exit(-?\d+)/.exec(f)![1]),
      ...JSON.parse(readFileSync(join(out, f), "utf8")),
    }))
    .sort((a, b) => a.rank - b.rank);
}
