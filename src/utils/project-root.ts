/**
 * The project root (pyrootutils' `setup_root`): the nearest folder at or above a start folder that holds a
 * marker file. `PROJECT_ROOT` is set to it (configs/paths/default.yaml reads it) and a `.env` file there is
 * loaded into process.env without overriding variables that are already set.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Files whose presence marks a project root, in the order they are looked for. */
export const ROOT_MARKERS = [".project-root", ".git", "package.json"] as const;

/** The nearest folder at or above `start` holding one of `markers`; null when there is none. */
export function findProjectRoot(start: string, markers: readonly string[] = ROOT_MARKERS): string | null {
  let dir = resolve(start);
  for (;;) {
    if (markers.some((m) => existsSync(join(dir, m)))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Parses a `.env` file: `KEY=value` lines, `export` prefixes, quotes, `#` comments. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    out[m[1]!] = value;
  }
  return out;
}

/**
 * Sets PROJECT_ROOT (unless already set) to the root found from `start` and loads its `.env`; returns the
 * root. With no marker above `start`, `start` itself is the root.
 */
export function setupProjectRoot(start: string = process.cwd()): string {
  const root = process.env.PROJECT_ROOT ?? findProjectRoot(start) ?? resolve(start);
  process.env.PROJECT_ROOT ??= root;
  const envFile = join(root, ".env");
  if (existsSync(envFile)) {
    for (const [k, v] of Object.entries(parseDotenv(readFileSync(envFile, "utf8")))) process.env[k] ??= v;
  }
  return root;
}
