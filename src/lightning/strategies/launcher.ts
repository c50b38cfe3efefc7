// Lightning's _SubprocessScriptLauncher: rank 0 starts the same command again (node, its flags, the script
// and its arguments) once per other local rank, with LOCAL_RANK, NODE_RANK, WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT in the environment; each copy then builds the same Trainer and joins the process group. A
// programmatic fit inside a script works the same way, since the script is what runs again. Like Lightning's
// process observer, a rank that exits with an error brings the whole run down instead of leaving it hanging.
import { type ChildProcess, spawn } from "node:child_process";
import { cpus } from "node:os";
import { setNumThreads } from "../../torch/runtime.js";

/** The environment of one rank, as Lightning's LightningEnvironment reads it. */
export interface RankEnvironment {
  localRank: number;
  nodeRank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
}

/** Extra command-line arguments for the copies (e.g. the app's run folder, as Lightning's Hydra support adds). */
let childArgs: ((localRank: number) => string[]) | null = null;

/** Lets the app add arguments to the command of every launched rank (its run folder, say). */
export function setLaunchedRankArgs(provider: ((localRank: number) => string[]) | null): void {
  childArgs = provider;
}

/** Whether this process was started by a launcher (or a cluster) rather than by the user: LOCAL_RANK is set. */
export function launchedExternally(): boolean {
  return process.env.LOCAL_RANK !== undefined;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`DDP: environment variable ${name}=${raw} is not an integer`);
  return n;
}

/** Starts the other local ranks (once per process) and tracks them. */
export class SubprocessLauncher {
  readonly children: ChildProcess[] = [];
  /** Set when a launched rank exited with an error: [local rank, exit code or signal]. */
  failure: [number, string] | null = null;
  #launched = false;

  constructor(readonly numProcesses: number) {}

  /**
   * This process's rank environment; on the first call in the user's process, starts ranks 1..N-1.
   * `threadsSet`: the Trainer's num_threads was given, so the cores are not shared out automatically.
   */
  async launch(findPort: () => Promise<number>, threadsSet: boolean): Promise<RankEnvironment> {
    if (!threadsSet) setThreadsForProcesses(this.numProcesses);
    if (!launchedExternally() && !this.#launched) {
      this.#launched = true;
      process.env.MASTER_ADDR ??= "127.0.0.1";
      process.env.MASTER_PORT ??= String(await findPort());
      process.env.NODE_RANK ??= "0";
      process.env.LOCAL_RANK = "0";
      process.env.WORLD_SIZE = String(this.numProcesses);
      for (let rank = 1; rank < this.numProcesses; rank++) this.start(rank);
    }
    return {
      localRank: envInt("LOCAL_RANK", 0),
      nodeRank: envInt("NODE_RANK", 0),
      worldSize: envInt("WORLD_SIZE", this.numProcesses),
      masterAddr: process.env.MASTER_ADDR ?? "127.0.0.1",
      masterPort: envInt("MASTER_PORT", 0),
    };
  }

  private start(localRank: number): void {
    const env = { ...process.env, LOCAL_RANK: String(localRank) };
    const args = [...process.execArgv, ...process.argv.slice(1), ...(childArgs?.(localRank) ?? [])];
    const child = spawn(process.execPath, args, { env, stdio: "inherit", cwd: process.cwd() });
    this.children.push(child);
    child.on("exit", (code, signal) => {
      if (code === 0 || this.failure !== null) return;
      this.failure = [localRank, signal ?? `code ${code}`];
      // Lightning's observer kills the run when a rank dies. The others notice through their collectives
      // (the connection closes) and fail with their own message; this is the backstop for a rank 0 that
      // is busy elsewhere.
      const timer = setTimeout(() => {
        process.stderr.write(
          `[kiln] DDP: rank ${localRank} (pid ${child.pid}) exited with ${this.failure![1]}; stopping the run.\n`,
        );
        this.kill();
        process.exit(code ?? 1);
      }, 1000);
      timer.unref();
    });
  }

  /** Throws when a launched rank has already exited with an error (checked while waiting for the ranks). */
  throwIfFailed(): void {
    if (this.failure !== null) {
      throw new Error(
        `DDP: rank ${this.failure[0]} exited with ${this.failure[1]} before joining the process group; ` +
          "see its output above.",
      );
    }
  }

  /** Kills every launched rank that is still running (after rank 0 failed, as Lightning does). */
  kill(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }
}

// Lightning's _set_num_threads_if_needed: without OMP_NUM_THREADS, share the cores between the ranks.
function setThreadsForProcesses(processes: number): void {
  if (process.env.OMP_NUM_THREADS !== undefined) return;
  const threads = Math.max(1, Math.floor(cpus().length / processes));
  setNumThreads(threads);
  process.env.OMP_NUM_THREADS = String(threads);
}
