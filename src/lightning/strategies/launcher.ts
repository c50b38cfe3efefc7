// Lightning's _SubprocessScriptLauncher: when no cluster started the processes (Lightning's own environment
// without LOCAL_RANK), the process the user started becomes local rank 0 of its node and starts the same
// command again (node, its flags, the script and its arguments) once per other local rank, with LOCAL_RANK,
// NODE_RANK, WORLD_SIZE (= num_nodes × devices), MASTER_ADDR and MASTER_PORT in the environment. Several
// nodes: start the command once per node with NODE_RANK, MASTER_ADDR and MASTER_PORT set (node 0's address);
// each node starts its own local ranks. Like Lightning's process observer, a rank that exits with an error
// brings the whole run down instead of leaving it hanging.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { setNumThreads } from "../../torch/runtime.js";
import type { ClusterEnvironment } from "../environments/index.js";

/** Where this process sits in the world. */
export interface RankEnvironment {
  localRank: number;
  nodeRank: number;
  globalRank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
}

/** The script and arguments of each copy, from this process's (the app puts its run folder there). */
let rankCommand: ((localRank: number, argv: readonly string[]) => string[]) | null = null;

/** Lets the app decide the script and arguments of every launched rank (Lightning's Hydra support). */
export function setLaunchedRankCommand(
  provider: ((localRank: number, argv: readonly string[]) => string[]) | null,
): void {
  rankCommand = provider;
}

/** The launchers that started ranks in this process and whose job has not ended (see endLaunchedJob). */
const launchersOfJob = new Set<SubprocessLauncher>();

/**
 * Ends this process's part of a multi-process job (a run, or one job of a sweep): leaves the process group,
 * waits up to `timeoutMs` for the ranks it launched to exit (then kills them), and restores the variables
 * the launch set, so that the next job of a sweep forms its own group with its own ranks.
 */
export async function endLaunchedJob(timeoutMs = 30_000): Promise<void> {
  const { destroyProcessGroup, isInitialized } = await import("../../torch/distributed/process-group.js");
  if (isInitialized()) destroyProcessGroup();
  for (const launcher of launchersOfJob) {
    await launcher.waitForChildren(timeoutMs);
    launcher.restoreEnvironment();
  }
  launchersOfJob.clear();
}

/** Starts the other local ranks (once per process) and tracks them. */
export class SubprocessLauncher {
  readonly children: ChildProcess[] = [];
  /** Set when a launched rank exited with an error: [its global rank, exit code or signal]. */
  failure: [number, string] | null = null;
  #launched = false;
  /** The variables the launch set in this process's environment, with what they were before. */
  readonly #saved = new Map<string, string | undefined>();

  /** `devices` ranks per node, on `numNodes` nodes. */
  constructor(
    readonly devices: number,
    readonly numNodes = 1,
  ) {}

  /**
   * This process's place in the world. Without an external launcher, the first call starts local ranks
   * 1..devices-1. `threadsSet`: the Trainer's num_threads was given, so the cores are not shared out.
   */
  async launch(
    cluster: ClusterEnvironment,
    findPort: () => Promise<number>,
    threadsSet: boolean,
  ): Promise<RankEnvironment> {
    if (!threadsSet) this.setThreadsForProcesses();
    let port = cluster.mainPort;
    if (!cluster.createsProcessesExternally && !this.#launched) {
      this.#launched = true;
      launchersOfJob.add(this);
      if (port === null) {
        if (this.numNodes > 1) {
          throw new Error(
            `Trainer(num_nodes=${this.numNodes}): set MASTER_ADDR (node 0's address) and MASTER_PORT (a free ` +
              "port there) on every node, and NODE_RANK (0..num_nodes-1); Kiln then starts each node's ranks.",
          );
        }
        port = await findPort();
      }
      this.setEnv("MASTER_ADDR", cluster.mainAddress);
      this.setEnv("MASTER_PORT", String(port));
      this.setEnv("NODE_RANK", String(cluster.nodeRank));
      this.setEnv("LOCAL_RANK", "0");
      this.setEnv("WORLD_SIZE", String(this.numNodes * this.devices));
      for (let rank = 1; rank < this.devices; rank++) this.start(rank);
    }
    const localRank = cluster.createsProcessesExternally ? cluster.localRank : 0;
    return {
      localRank,
      nodeRank: cluster.nodeRank,
      globalRank: cluster.globalRank ?? cluster.nodeRank * this.devices + localRank,
      worldSize: cluster.worldSize ?? this.numNodes * this.devices,
      masterAddr: cluster.mainAddress,
      masterPort: port ?? 0,
    };
  }

  private setEnv(name: string, value: string): void {
    if (!this.#saved.has(name)) this.#saved.set(name, process.env[name]);
    process.env[name] = value;
  }

  /** Gives the environment back as it was before the launch (the next job of a sweep launches afresh). */
  restoreEnvironment(): void {
    for (const [name, value] of this.#saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.#saved.clear();
  }

  private start(localRank: number): void {
    const env = { ...process.env, LOCAL_RANK: String(localRank), KILN_LAUNCHER_PID: String(process.pid) };
    const globalRank = Number(process.env.NODE_RANK ?? 0) * this.devices + localRank;
    const argv = process.argv.slice(1);
    const args = [...process.execArgv, ...(rankCommand?.(localRank, argv) ?? argv)];
    const child = spawn(process.execPath, args, { env, stdio: "inherit", cwd: process.cwd() });
    this.children.push(child);
    child.on("exit", (code, signal) => {
      if (code === 0 || this.failure !== null) return;
      this.failure = [globalRank, signal ?? `code ${code}`];
      // Lightning's observer kills the run when a rank dies. The others notice through their collectives
      // (the connection closes) and fail with their own message; this is the backstop for a rank 0 that
      // is busy elsewhere.
      const timer = setTimeout(() => {
        process.stderr.write(
          `[kiln] DDP: rank ${globalRank} (pid ${child.pid}) exited with ${this.failure![1]}; stopping the run.\n`,
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

  /** Waits (up to `timeoutMs`) for the launched ranks to exit; kills the ones still running after that. */
  async waitForChildren(timeoutMs: number): Promise<void> {
    const running = this.children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = Promise.all(running.map((c) => new Promise((done) => c.once("exit", done))));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((done) => {
      timer = setTimeout(done, timeoutMs);
    });
    await Promise.race([exited, late]);
    clearTimeout(timer);
    this.kill();
  }

  /**
   * In a rank Kiln's launcher started: [the launching rank, "exited"] once that process is gone (this process
   * was re-parented), else null. Lets a failed collective name the rank that died.
   */
  launcherFailure(): [number, string] | null {
    return this.#deadChild() ?? this.#deadLauncher();
  }

  // A launched rank that died and whose exit event has not been delivered yet (a collective fails at once,
  // before the event loop runs): Linux shows it as a zombie, or no longer, in /proc.
  #deadChild(): [number, string] | null {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 10 && this.children.length > 0; i++) {
      for (const [k, child] of this.children.entries()) {
        if (child.pid === undefined) continue;
        let state = "";
        try {
          state = readFileSync(`/proc/${child.pid}/stat`, "utf8").replace(/^.*\) /s, "")[0] ?? "";
        } catch {
          state = existsSync("/proc/self/stat") ? "gone" : "";
        }
        if (state === "Z" || state === "gone") {
          const rank = Number(process.env.NODE_RANK ?? 0) * this.devices + k + 1;
          return [rank, `a signal or an error (pid ${child.pid})`];
        }
      }
      Atomics.wait(pause, 0, 0, 50);
    }
    return null;
  }

  #deadLauncher(): [number, string] | null {
    const launcher = process.env.KILN_LAUNCHER_PID;
    if (launcher === undefined || this.#launched) return null;
    // A killed process closes its sockets before it is reaped: give the re-parenting a moment to show.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 10 && process.ppid === Number(launcher); i++) Atomics.wait(pause, 0, 0, 50);
    if (process.ppid === Number(launcher)) return null;
    return [
      Number(process.env.NODE_RANK ?? 0) * this.devices,
      `an error or a signal (pid ${launcher} is gone)`,
    ];
  }

  /** Kills every launched rank that is still running (after rank 0 failed, as Lightning does). */
  kill(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }

  // Lightning's _set_num_threads_if_needed: without OMP_NUM_THREADS, share the cores between the ranks.
  private setThreadsForProcesses(): void {
    if (process.env.OMP_NUM_THREADS !== undefined) return;
    const threads = Math.max(1, Math.floor(cpus().length / this.devices));
    setNumThreads(threads);
    this.setEnv("OMP_NUM_THREADS", String(threads));
  }
}
