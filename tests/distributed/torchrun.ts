// torchrun for the tests that launch Kiln under it: PyTorch's CPU wheel in a venv that the tests make once
// (cached under ~/.cache/kiln/torchrun-venv, as libtorch is), through the machine's pip configuration. Tried
// first: $KILN_TORCHRUN, the repo's .venv. Without python3's venv module or a pip index that has the wheel,
// the tests skip and say why. torchrun runs as `python -m torch.distributed.run`: a venv's bin/torchrun
// script names the folder it was made in, and the venv is made elsewhere, then renamed into place.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..", "..");
const TORCH = "torch==2.13.0";

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kiln", "torchrun-venv");
}

/** How to run torchrun: the program and its first arguments. */
export type Torchrun = { command: string[] } | { skip: string };

function works(command: string[]): boolean {
  if (!existsSync(command[0]!)) return false;
  const r = spawnSync(command[0]!, [...command.slice(1), "--help"], { stdio: "ignore", timeout: 60_000 });
  return r.status === 0;
}

const viaPython = (python: string) => [python, "-m", "torch.distributed.run"];
let found: Torchrun | undefined;

/** A working torchrun command, or why there is none (the reason a test skips with). */
export function findTorchrun(): Torchrun {
  if (found !== undefined) return found;
  const given = process.env.KILN_TORCHRUN;
  if (given) {
    found = works([given]) ? { command: [given] } : { skip: `KILN_TORCHRUN=${given} does not run` };
    return found;
  }
  for (const python of [join(repo, ".venv", "bin", "python"), join(cacheDir(), "bin", "python")]) {
    if (works(viaPython(python))) {
      found = { command: viaPython(python) };
      return found;
    }
  }
  found = makeVenv();
  return found;
}

// A fresh venv with the CPU wheel, built beside the cache folder and renamed into place when complete, so a
// half-made one is never used (two test files asking at once each build their own; the first rename wins).
function makeVenv(): Torchrun {
  const target = cacheDir();
  const building = `${target}.${process.pid}`;
  mkdirSync(dirname(target), { recursive: true });
  rmSync(building, { recursive: true, force: true });
  try {
    execFileSync("python3", ["-m", "venv", building], { stdio: "pipe", timeout: 120_000 });
  } catch (e) {
    return { skip: `no torchrun: python3 -m venv failed (${firstLine(e)})` };
  }
  const pip = spawnSync(
    join(building, "bin", "pip"),
    ["install", "--quiet", "--only-binary=:all:", "--retries", "1", "--timeout", "20", TORCH],
    { encoding: "utf8", timeout: 900_000 },
  );
  if (pip.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    const why = (pip.stderr || pip.error?.message || "").trim().split("\n").pop();
    return { skip: `no torchrun: pip could not install ${TORCH} from this machine's index (${why})` };
  }
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  const command = viaPython(join(target, "bin", "python"));
  return works(command) ? { command } : { skip: `no torchrun: ${command.join(" ")} does not run` };
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: Buffer; message?: string };
  return (err.stderr?.toString() || err.message || String(e)).trim().split("\n")[0]!;
}
