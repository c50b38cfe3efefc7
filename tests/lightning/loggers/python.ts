// Finds a Python interpreter that can import a module, for tests that check Kiln's files with the real
// Python tools. Tried in order: $KILN_PYTHON, the repo's .venv, python3 on PATH.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

/** The first interpreter that imports `module`, or undefined (tests then skip with a reason). */
export function findPythonWith(module: string): string | undefined {
  const candidates = [process.env.KILN_PYTHON, join(repoRoot, ".venv", "bin", "python"), "python3"];
  for (const python of candidates) {
    if (!python) continue;
    const r = spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore", timeout: 60_000 });
    if (r.status === 0) return python;
  }
  return undefined;
}

/** Why a Python-backed test was skipped. */
export function noPythonReason(module: string): string {
  return `no Python with '${module}' found (set KILN_PYTHON, or install it into the repo's .venv)`;
}
