// Running the benchmark's child processes: every measurement runs in a fresh process with the thread count
// pinned in its environment, so no side inherits another's warm caches or thread pools.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two folders above this file). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BENCH_DIR = join(ROOT, "scripts/bench");
export const CPP_BUILD_DIR = join(ROOT, "build/bench-cpp");

/**
 * The environment that gives the plain C++ programs KILN_ALLOCATOR=tuned's glibc malloc settings: native/allocator.cc
 * built as build/bench-cpp/libkiln_alloc.so and preloaded (undefined when it was not built).
 */
export function kilnAllocEnv(cppDir: string): Record<string, string> | undefined {
  const lib = join(cppDir, "libkiln_alloc.so");
  return existsSync(lib) ? { LD_PRELOAD: lib, KILN_ALLOCATOR: "tuned" } : undefined;
}

/** The environment of every child: libtorch, OpenMP and MKL pinned to `threads`. */
export function benchEnv(threads: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const n = String(threads);
  // PYTHONDONTWRITEBYTECODE: the Python side leaves no __pycache__ in the source tree.
  const pinned = {
    KILN_NUM_THREADS: n,
    OMP_NUM_THREADS: n,
    MKL_NUM_THREADS: n,
    PYTHONDONTWRITEBYTECODE: "1",
  };
  return { ...process.env, ...pinned, ...extra };
}

/** Output and wall time of a finished child. */
export interface ChildResult {
  stdout: string;
  stderr: string;
  wallS: number;
}

/** Runs a command to completion; throws with the tail of its stderr when it fails or times out. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): ChildResult {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit code ${r.status}${r.signal ? ` (signal ${r.signal})` : ""}`;
    const tail = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`\`${cmd} ${args.join(" ")}\` failed: ${why}\n${tail}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, wallS };
}

/** Runs a child that prints one JSON object on its last stdout line, and parses it. */
export function runJson<T>(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): T {
  const { stdout } = run(cmd, args, env, timeoutMs);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`\`${cmd} ${args.join(" ")}\` printed no JSON line; its output ends with:\n${last}`);
  }
}

/** node with tsx, for the TypeScript children (they run from src/, so they measure the current sources). */
export function tsNode(script: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ["--import", "tsx", script, ...args]];
}

/** The Python to compare with: $KILN_PYTHON, else .venv/bin/python; undefined (with why) if it has no torch. */
export function findPython(): { python?: string; why?: string } {
  const python = process.env.KILN_PYTHON || join(ROOT, ".venv/bin/python");
  if (!existsSync(python)) return { why: `no Python at ${python} (set KILN_PYTHON to a Python with torch)` };
  const r = spawnSync(python, ["-c", "import torch, numpy; print(torch.__version__)"], { encoding: "utf8" });
  if (r.status !== 0) return { why: `${python} cannot import torch and numpy` };
  return { python };
}

/**
 * Configures and builds the C++ programs into build/bench-cpp (incremental; under the shared build lock, since
 * a libtorch compile takes a core for ~30 s). Returns the build folder, or why it could not be built.
 */
export function buildCpp(): { dir?: string; why?: string } {
  const lock = (cmd: string, args: string[]): [string, string[]] =>
    existsSync("/usr/bin/flock") ? ["/usr/bin/flock", ["/tmp/kiln-build.lock", cmd, ...args]] : [cmd, args];
  try {
    if (!existsSync(join(CPP_BUILD_DIR, "CMakeCache.txt"))) {
      run(
        "cmake",
        ["-S", join(BENCH_DIR, "cpp"), "-B", CPP_BUILD_DIR, "-DCMAKE_BUILD_TYPE=Release"],
        process.env,
      );
    }
    run(...lock("cmake", ["--build", CPP_BUILD_DIR, "-j1"]), process.env, 900_000);
    return { dir: CPP_BUILD_DIR };
  } catch (e) {
    return { why: `the C++ benchmark did not build: ${(e as Error).message.split("\n")[0]}` };
  }
}
