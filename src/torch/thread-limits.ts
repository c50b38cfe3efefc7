/**
 * How many libtorch threads this machine can run, checked before libtorch or libgomp sees a count. libgomp
 * creates every thread of a parallel region up front; past what the system allows it prints "Thread creation
 * failed" and exits, or the process dies in a segfault (KILN_NUM_THREADS=100000), with no word of which
 * setting caused it. Two bounds apply, the smaller wins:
 * - 32 threads per CPU core: more only oversubscribes the cores (docs/ARCHITECTURE.md, "Facts": 2 threads on 2 shared cores
 *   already ran 10-20x slower than 1), so a larger number is a typo or a misunderstanding, not a tuning;
 * - a quarter of the threads the system still has room for (kernel pid/thread limits, the cgroup's pids.max,
 *   minus the threads running now): Kiln sizes both libtorch pools (intra-op and inter-op) with the count.
 * This module reads /proc and /sys only; it never loads the addon (the CLI checks the variables first).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { EnvironmentVariableError } from "../common/env-error.js";

/** Threads per core above which a count is refused. */
export const THREADS_PER_CORE = 32;

/** The largest thread count allowed here, and the facts behind it (for messages). */
export interface ThreadLimit {
  max: number;
  cores: number;
  /** Threads the system still has room for (null where the limits cannot be read). */
  systemRoom: number | null;
}

function readNumber(path: string, pick: (text: string) => string | undefined = (t) => t): number | null {
  try {
    const raw = pick(readFileSync(path, "utf8"))?.trim();
    const n = Number(raw);
    return raw !== undefined && raw !== "" && Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** pids.max - pids.current of this process's cgroup (v2, else v1's pids controller); null when unlimited. */
function cgroupRoom(): number | null {
  let groups: string;
  try {
    groups = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return null;
  }
  for (const line of groups.split("\n")) {
    const [, controllers, path] = line.split(":");
    if (path === undefined) continue;
    const base =
      controllers === ""
        ? `/sys/fs/cgroup${path}`
        : controllers?.split(",").includes("pids")
          ? `/sys/fs/cgroup/pids${path}`
          : null;
    if (base === null) continue;
    const max = readNumber(`${base}/pids.max`); // "max" (unlimited) reads as null
    const current = readNumber(`${base}/pids.current`);
    if (max !== null && current !== null) return max - current;
  }
  return null;
}

/** The threads the system still has room for: its pid and thread limits minus what runs now. */
function systemRoom(): number | null {
  const limits = [readNumber("/proc/sys/kernel/pid_max"), readNumber("/proc/sys/kernel/threads-max")].filter(
    (n): n is number => n !== null,
  );
  // The 4th field of /proc/loadavg: runnable/total scheduling entities (threads) on the system.
  const running = readNumber("/proc/loadavg", (t) => t.split(/\s+/)[3]?.split("/")[1]);
  const rooms = limits.map((n) => n - (running ?? 0));
  const cgroup = cgroupRoom();
  if (cgroup !== null) rooms.push(cgroup);
  return rooms.length > 0 ? Math.max(0, Math.min(...rooms)) : null;
}

/** The thread limit of this machine, now. */
export function threadLimit(): ThreadLimit {
  const cores = availableParallelism();
  const room = systemRoom();
  const byCores = THREADS_PER_CORE * cores;
  const bySystem = room === null ? byCores : Math.floor(room / 4);
  return { max: Math.max(1, Math.min(byCores, bySystem)), cores, systemRoom: room };
}

function limitWords(limit: ThreadLimit): string {
  if (limit.max < THREADS_PER_CORE * limit.cores && limit.systemRoom !== null) {
    return (
      `at most ${limit.max} here (the system has room for about ${limit.systemRoom} more threads, and Kiln ` +
      "sizes both libtorch thread pools with this count)"
    );
  }
  return `at most ${limit.max} here (${THREADS_PER_CORE} per CPU core, ${limit.cores} cores)`;
}

/**
 * The thread count `raw` as a number in [1, max], or a RangeError that names `setting` (`KILN_NUM_THREADS`,
 * `Trainer(num_threads)`, `torch.setNumThreads()`), the allowed range and the usual choice.
 */
export function checkThreadCount(raw: unknown, setting: string, limit: ThreadLimit = threadLimit()): number {
  const text = String(raw).trim();
  const n = typeof raw === "number" ? raw : /^[+]?\d+$/.test(text) ? Number(text) : Number.NaN;
  const usual = `usually the number of cores, ${limit.cores}`;
  // `KILN_NUM_THREADS=8`, `Trainer(num_threads=8)`, `torch.setNumThreads(8)`.
  const shown = setting.endsWith("()")
    ? `${setting.slice(0, -1)}${text})`
    : setting.endsWith(")")
      ? `${setting.slice(0, -1)}=${text})`
      : `${setting}=${text}`;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `${shown} is not a thread count: use a whole number from 1 to ${limit.max} (${usual}).`,
    );
  }
  if (n > limit.max) {
    throw new RangeError(
      `${shown} is more threads than this machine can run: ${limitWords(limit)}. ` +
        `Use a number from 1 to ${limit.max} (${usual}).`,
    );
  }
  return n;
}

/**
 * Checks the thread variables libtorch and libgomp read (KILN_NUM_THREADS; OMP_NUM_THREADS, which libgomp
 * reads when it loads, one count per nesting level: `4` or `4,2`) and returns KILN_NUM_THREADS (null when
 * unset). A bad value is an EnvironmentVariableError naming the variable.
 */
export function checkThreadVariables(env: NodeJS.ProcessEnv = process.env): number | null {
  let limit: ThreadLimit | undefined;
  const check = (variable: string, value: string) => {
    limit ??= threadLimit();
    try {
      return checkThreadCount(value, variable, limit);
    } catch (err) {
      const fix = ` Set it in the environment, or unset it (${variable === "KILN_NUM_THREADS" ? "libtorch then uses one thread per core" : "OpenMP then uses one thread per core"}).`;
      throw new EnvironmentVariableError(variable, (err as Error).message + fix);
    }
  };
  const omp = env.OMP_NUM_THREADS;
  if (omp !== undefined && omp.trim() !== "") {
    for (const level of omp.split(",")) check("OMP_NUM_THREADS", level);
  }
  const kiln = env.KILN_NUM_THREADS;
  return kiln === undefined || kiln === "" ? null : check("KILN_NUM_THREADS", kiln);
}
