/**
 * Config sources of the search path (Hydra's ConfigSource plugins): a folder on disk (`file://`) and the
 * built-in Hydra configs held in memory (`pkg://hydra.conf`). A source answers "is this a group / a
 * config?", lists a group's options, and returns a config's text.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ObjectType } from "./repository-types.js";

/** One entry of the config search path. */
export interface ConfigSource {
  readonly provider: string;
  /** `file:///abs/dir` or `pkg://hydra.conf`. */
  readonly url: string;
  available(): boolean;
  isGroup(path: string): boolean;
  isConfig(path: string): boolean;
  /** Names under `path`: groups (sub-folders) and/or configs (without `.yaml`). */
  list(path: string, filter: ObjectType): string[];
  /** Text and display file name of a config, or null. */
  read(path: string): { text: string; file: string } | null;
}

function withYaml(path: string): string {
  return path.endsWith(".yaml") || path.endsWith(".yml") ? path : `${path}.yaml`;
}

/** A folder of YAML files; groups are sub-folders. */
export class FileConfigSource implements ConfigSource {
  readonly root: string;
  readonly url: string;
  constructor(
    readonly provider: string,
    dir: string,
  ) {
    this.root = resolve(dir);
    this.url = `file://${this.root}`;
  }

  available(): boolean {
    return existsSync(this.root) && statSync(this.root).isDirectory();
  }

  isGroup(path: string): boolean {
    const p = join(this.root, path);
    return existsSync(p) && statSync(p).isDirectory();
  }

  isConfig(path: string): boolean {
    const p = join(this.root, withYaml(path));
    return existsSync(p) && statSync(p).isFile();
  }

  list(path: string, filter: ObjectType): string[] {
    const dir = join(this.root, path);
    if (!this.isGroup(path)) return [];
    const out = new Set<string>();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
      const isDir =
        entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(dir, entry.name)).isDirectory());
      if (isDir && filter !== "config") out.add(entry.name);
      if (!isDir && filter !== "group" && /\.ya?ml$/.test(entry.name))
        out.add(entry.name.replace(/\.ya?ml$/, ""));
    }
    return [...out].sort();
  }

  read(path: string): { text: string; file: string } | null {
    const file = join(this.root, withYaml(path));
    if (!existsSync(file)) return null;
    return { text: readFileSync(file, "utf8"), file };
  }
}

/** Configs held in memory, keyed by config path (`hydra/job_logging/default`). */
export class MemoryConfigSource implements ConfigSource {
  constructor(
    readonly provider: string,
    readonly url: string,
    private readonly files: Record<string, string>,
  ) {}

  available(): boolean {
    return true;
  }

  isGroup(path: string): boolean {
    const prefix = path === "" ? "" : `${path}/`;
    return Object.keys(this.files).some((k) => k.startsWith(prefix));
  }

  isConfig(path: string): boolean {
    return path.replace(/\.ya?ml$/, "") in this.files;
  }

  list(path: string, filter: ObjectType): string[] {
    const prefix = path === "" ? "" : `${path}/`;
    const out = new Set<string>();
    for (const k of Object.keys(this.files)) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash === -1 && filter !== "group") out.add(rest);
      if (slash !== -1 && filter !== "config") out.add(rest.slice(0, slash));
    }
    return [...out].sort();
  }

  read(path: string): { text: string; file: string } | null {
    const key = path.replace(/\.ya?ml$/, "");
    const text = this.files[key];
    return text === undefined ? null : { text, file: `${this.url}/${key}.yaml` };
  }
}
