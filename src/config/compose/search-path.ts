/**
 * The config search path (Hydra's ConfigSearchPath): the built-in Hydra configs, the primary config dir,
 * `--config-dir` additions and `hydra.searchpath` entries of the primary config, in Hydra's order.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigCompositionError } from "./errors.js";
import { HYDRA_CONFIGS } from "./hydra-conf.js";
import { type ConfigSource, FileConfigSource, MemoryConfigSource } from "./sources.js";

/** Inputs that decide the search path. */
export interface SearchPathOptions {
  /** The primary config folder (Hydra's `config_path`, or `--config-path`). */
  configDir?: string | null;
  /** `--config-dir`: one more folder, searched after the primary one. */
  extraConfigDir?: string | null;
}

/** The built-in source of `hydra/...` configs. */
export function hydraSource(): ConfigSource {
  return new MemoryConfigSource("hydra", "pkg://hydra.conf", HYDRA_CONFIGS);
}

/** Builds the search path: hydra built-ins, main, command-line (Hydra's order). */
export function createSearchPath(opts: SearchPathOptions): ConfigSource[] {
  const sources: ConfigSource[] = [hydraSource()];
  if (opts.configDir) {
    const main = new FileConfigSource("main", opts.configDir);
    if (!main.available()) {
      throw new ConfigCompositionError(
        `Primary config directory not found.\nCheck that the config directory '${main.root}' exists and readable`,
      );
    }
    sources.push(main);
  }
  if (opts.extraConfigDir) {
    const abs = resolve(opts.extraConfigDir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new ConfigCompositionError(`Additional config directory '${abs}' not found`);
    }
    sources.push(new FileConfigSource("command-line", abs));
  }
  return sources;
}

/** Appends `hydra.searchpath` entries (`file://dir`, `pkg://` is not supported, or a plain path). */
export function appendSearchPathEntries(
  sources: ConfigSource[],
  entries: string[],
  provider: string,
): ConfigSource[] {
  const out = [...sources];
  for (const entry of entries) {
    if (entry.startsWith("pkg://")) {
      throw new ConfigCompositionError(
        `hydra.searchpath entry '${entry}': pkg:// sources are Python packages; use a folder (file://path)`,
      );
    }
    const path = entry.startsWith("file://") ? entry.slice("file://".length) : entry;
    const source = new FileConfigSource(provider, isAbsolute(path) ? path : resolve(path));
    if (!source.available())
      process.emitWarning(`provider=${provider}, path=${source.url} is not available.`);
    out.push(source);
  }
  return out;
}
