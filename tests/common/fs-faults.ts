// File-system faults for tests: a tiny or read-only tmpfs mounted by the test (root only), and children run
// without the capabilities that let root ignore file modes. Each returns null and a reason when it cannot run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** A mounted tmpfs: its folder, `readOnly()` to remount it read-only, `dispose()` to unmount it. */
export interface Tmpfs {
  dir: string;
  readOnly(): void;
  dispose(): void;
}

/** Why tmpfs tests cannot run here (null when they can: root with mount available). */
export const NO_TMPFS: string | null = !isRoot
  ? "mounting a tmpfs needs root"
  : !has("mount")
    ? "mount(8) is not installed"
    : probeMount();

function probeMount(): string | null {
  const dir = mkdtempSync(join(tmpdir(), "kiln-tmpfs-probe-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", dir], { encoding: "utf8" });
  if (r.status === 0) spawnSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
  return r.status === 0 ? null : `mount -t tmpfs failed: ${(r.stderr || "").trim()}`;
}

/** Mounts a tmpfs of `size` (e.g. "8k") on a fresh folder. */
export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), "kiln-tmpfs-"));
  const run = (args: string[]) => {
    const r = spawnSync(args[0]!, args.slice(1), { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  };
  run(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  return {
    dir,
    readOnly: () => run(["mount", "-o", "remount,ro", dir]),
    dispose: () => {
      spawnSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The command prefix that runs a child under the file modes (root ignores them through CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH): setpriv drops both from the bounding set, so the child keeps uid 0 (and can still read
 * libtorch under /root) but is refused what the modes refuse. Not root: no prefix is needed.
 */
export const FILE_MODES_PREFIX: string[] | null = !isRoot
  ? []
  : has("setpriv")
    ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    : null;

/** Why permission tests cannot run here (null when they can). */
export const NO_FILE_MODES: string | null =
  FILE_MODES_PREFIX === null ? "running as root without setpriv(1) to drop CAP_DAC_OVERRIDE" : null;
