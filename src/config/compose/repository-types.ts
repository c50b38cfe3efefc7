/** The contract between the defaults-list algorithm and the config repository. */
import type { InputDefault } from "./default-element.js";

/** What `list` returns: configs (`.yaml` files), groups (folders), or both. */
export type ObjectType = "config" | "group" | "all";

/** A config loaded from a source: its node tree, header, and the defaults list taken out of it. */
export interface LoadedConfig<Node = unknown> {
  configPath: string;
  /** Display path of the file (absolute for files, `pkg://hydra.conf/...` for built-ins). */
  file: string;
  provider: string;
  header: { package: string | null };
  /** The config without its `defaults` key. */
  node: Node;
  /** A fresh copy on each call: the algorithm mutates elements. */
  defaults(): InputDefault[];
  /** True when the config has keys other than `defaults` (Hydra warns about a missing `_self_` then). */
  hasContent: boolean;
}

/** Where configs come from (the search path), as the defaults-list algorithm sees it. */
export interface ConfigRepo<Node = unknown> {
  loadConfig(configPath: string): LoadedConfig<Node> | null;
  groupExists(groupPath: string): boolean;
  configExists(configPath: string): boolean;
  groupOptions(groupPath: string, filter?: ObjectType): string[];
  /** `provider=main, path=file:///...` lines, for errors. */
  describeSources(): string[];
}
