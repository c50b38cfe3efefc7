import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of Kiln's package.json, found by walking up from `moduleUrl` (a module's import.meta.url).
 * Files next to the package (configs/, build/) are found the same way from src/ (tsx), dist/ and the bundled
 * CLI in dist/bundle/, whose depths differ.
 */
export function packageRoot(moduleUrl: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && isKilnManifest(manifest)) return dir;
    if (dirname(dir) === dir) throw new Error(`Kiln's package.json not found above ${start}`);
  }
}

function isKilnManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { name?: unknown }).name === "kiln";
  } catch {
    return false;
  }
}
