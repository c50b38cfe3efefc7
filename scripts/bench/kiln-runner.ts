// How the benchmarks run `kiln`: the bundled CLI (bin/kiln.js over dist/bundle), as users run it, rebuilt by
// `npm run build` first when a source file is newer than the bundle; src/cli.ts through tsx only when the
// bundle cannot be built. tsx is not what users run: it adds its loader thread and esbuild's __name() calls.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run, tsNode } from "./proc.js";

const BUNDLE = join(ROOT, "dist/bundle/cli.js");

/** What ran `kiln`: "bundle" (bin/kiln.js) or "tsx" (src/cli.ts). */
export type KilnRunner = "bundle" | "tsx";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleMtime(): number {
  try {
    return statSync(BUNDLE).mtimeMs;
  } catch {
    return 0;
  }
}

let chosen: { runner: KilnRunner; why?: string } | undefined;

/**
 * The runner of every `kiln` child of this bench run, decided once: the bundle, rebuilt first when it is
 * older than src/ and `build` allows; else src/ through tsx (with why).
 */
export function chooseKilnRunner(
  build: boolean,
  log: (line: string) => void = () => {},
): {
  runner: KilnRunner;
  why?: string;
} {
  if (chosen) return chosen;
  const built = bundleMtime();
  if (built >= newestMtime(join(ROOT, "src"))) {
    chosen = { runner: "bundle" };
  } else if (!build) {
    chosen =
      built > 0
        ? { runner: "bundle", why: "--no-build: dist/bundle is older than src/ and was used as it is" }
        : { runner: "tsx", why: "--no-build and no dist/bundle: kiln ran from src/ through tsx" };
  } else {
    log("  src/ is newer than dist/bundle: npm run build ...");
    try {
      run("npm", ["run", "build"], process.env, 600_000);
      chosen = { runner: "bundle" };
    } catch (e) {
      const first = (e as Error).message.split("\n")[0];
      chosen = { runner: "tsx", why: `npm run build failed, so kiln ran from src/ through tsx: ${first}` };
    }
  }
  return chosen;
}

/** The runner chosen for this bench run (the bundle as it is when chooseKilnRunner was not called). */
export function kilnRunner(): { runner: KilnRunner; why?: string } {
  return chosen ?? chooseKilnRunner(false);
}

/** The command line of `kiln <args>` for the chosen runner. */
export function kilnCommand(args: string[]): [string, string[]] {
  return kilnRunner().runner === "bundle"
    ? [process.execPath, [join(ROOT, "bin/kiln.js"), ...args]]
    : tsNode(join(ROOT, "src/cli.ts"), args);
}
