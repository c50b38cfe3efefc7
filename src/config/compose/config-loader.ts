/**
 * Composition (Hydra's ConfigLoaderImpl.load_configuration): search path, defaults list, merging the
 * configs in order at their packages, struct mode, value overrides, and the runtime parts of the
 * `hydra` node (choices, overrides, job name, cwd, config sources).
 */
import {
  copyNode,
  DictNode,
  fromPlain,
  ListNode,
  merge,
  type Node,
  select,
  setStruct,
  update,
  ValidationError,
  ValueNode,
} from "../omegaconf/index.js";
import { applyOverridesToConfig } from "./apply-overrides.js";
import { createDefaultsList, type DefaultsList } from "./defaults-list.js";
import type { OverrideInput } from "./defaults-overrides.js";
import { ConfigCompositionError } from "./errors.js";
import { HYDRA_VERSION } from "./hydra-conf.js";
import { type ParsedOverride, parseOverrideLines, sweepOverrideKind } from "./override-adapter.js";
import { ConfigRepository } from "./repository.js";
import { appendSearchPathEntries, createSearchPath } from "./search-path.js";
import type { ConfigSource } from "./sources.js";

/** RUN composes one job; MULTIRUN composes the sweep's master config (sweeps skipped, `???` allowed). */
export type RunMode = "RUN" | "MULTIRUN";

/** Inputs of one composition. */
export interface LoadOptions {
  configDir?: string | null;
  extraConfigDir?: string | null;
  configName: string | null;
  overrides: string[];
  mode: RunMode;
  /** `hydra.job.name` unless the config sets it (Hydra: the script's name). */
  jobName: string;
  /** Check that sweeps are only used with --multirun (off when probing `hydra.mode`). */
  validateSweeps?: boolean;
  /** Called with composition warnings (missing `_self_`, legacy `hydra/` choices). */
  warn?: (message: string) => void;
}

/** A composed config with what was learnt on the way. */
export interface LoadedConfiguration {
  /** The full config, task keys plus `hydra`. */
  cfg: DictNode;
  defaultsList: DefaultsList;
  parsedOverrides: ParsedOverride[];
  repo: ConfigRepository;
}

function fail(e: unknown, configPath: string): never {
  if (e instanceof ValidationError) {
    throw new ConfigCompositionError(
      `In '${configPath}': Validation error while composing config:\n${e.message}`,
    );
  }
  throw e;
}

/** Puts `node` under the dotted `pkg` (Hydra's `_embed_result_config`). */
function embed(node: DictNode, pkg: string): DictNode {
  if (pkg === "") return node;
  let inner: Node = node;
  for (const part of pkg.split(".").reverse()) {
    const d = new DictNode();
    d.set(part, inner);
    inner = d;
  }
  return inner as DictNode;
}

function validateSweeps(overrides: ParsedOverride[], mode: RunMode): void {
  for (const x of overrides) {
    if (!x.input.isSweep) continue;
    if (mode === "MULTIRUN") {
      if (isHydraOverride(x.input)) {
        throw new ConfigCompositionError(
          `Sweeping over Hydra's configuration is not supported : '${x.input.inputLine}'`,
          {
            override: x.input.inputLine,
          },
        );
      }
    } else if (sweepOverrideKind(x) === "simple_choice") {
      throw new ConfigCompositionError(
        `Ambiguous value for argument '${x.input.inputLine}'\n` +
          "1. To use it as a list, use key=[value1,value2]\n" +
          "2. To use it as string, quote the value: key=\\'value1,value2\\'\n" +
          "3. To sweep over it, add --multirun to your command line",
        { override: x.input.inputLine },
      );
    } else {
      throw new ConfigCompositionError(`Sweep parameters '${x.input.inputLine}' requires --multirun`, {
        override: x.input.inputLine,
      });
    }
  }
}

/** Hydra's `is_hydra_override`: the override addresses the hydra node or a hydra group. */
export function isHydraOverride(o: OverrideInput): boolean {
  const k = o.keyOrGroup;
  return k === "hydra" || k.startsWith("hydra.") || k.startsWith("hydra/");
}

function primarySearchPath(repo: ConfigRepository, configName: string | null, overrides: ParsedOverride[]) {
  let entries: unknown;
  let provider = "hydra.searchpath in main";
  const fromCli = overrides.find(
    (o) => o.input.keyOrGroup === "hydra.searchpath" && o.input.package === null,
  );
  if (fromCli) {
    entries = fromCli.input.value;
    provider = "hydra.searchpath in command-line";
  } else if (configName !== null) {
    const loaded = repo.loadConfig(configName);
    if (loaded) {
      const sp = select(loaded.node, "hydra.searchpath", { default: undefined });
      if (sp instanceof ListNode) entries = sp.items.map((i) => (i instanceof ValueNode ? i.value : i));
      else if (sp !== undefined) entries = sp;
    }
  }
  if (entries === undefined || entries === null) return;
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== "string")) {
    throw new ConfigCompositionError(
      `hydra.searchpath must be a list of strings. Got: ${JSON.stringify(entries)}`,
    );
  }
  repo.sources = appendSearchPathEntries(repo.sources, entries as string[], provider);
}

/**
 * The config repository a composition with `overrides` would read, without composing (Hydra's
 * get_group_options): the search path plus `hydra.searchpath` of the command line or the primary config.
 */
export function loadRepository(
  opts: Pick<LoadOptions, "configDir" | "extraConfigDir" | "configName" | "overrides">,
): ConfigRepository {
  const repo = new ConfigRepository(createSearchPath(opts));
  primarySearchPath(repo, opts.configName, parseOverrideLines(opts.overrides));
  return repo;
}

/** Composes the config for a run or a sweep's master config. */
export function loadConfiguration(opts: LoadOptions): LoadedConfiguration {
  const sources: ConfigSource[] = createSearchPath(opts);
  const repo = new ConfigRepository(sources);
  const parsed = parseOverrideLines(opts.overrides);
  primarySearchPath(repo, opts.configName, parsed);
  if (opts.validateSweeps !== false) validateSweeps(parsed, opts.mode);

  const defaultsList = createDefaultsList({
    repo,
    configName: opts.configName,
    overrides: parsed.map((p) => p.input),
    prependHydra: true,
    skipMissing: opts.mode === "MULTIRUN",
    warn: opts.warn,
  });

  const cfg = new DictNode();
  for (const d of defaultsList.defaults) {
    const loaded = repo.loadConfig(d.configPath);
    if (!loaded) throw new ConfigCompositionError(`Could not load '${d.configPath}'`);
    if (
      !d.primary &&
      d.configPath !== "hydra/config" &&
      select(loaded.node, "hydra.searchpath", { default: undefined }) !== undefined
    ) {
      throw new ConfigCompositionError(
        `In '${d.configPath}': Overriding hydra.searchpath is only supported from the primary config`,
        { file: loaded.file },
      );
    }
    try {
      merge(cfg, embed(copyNode(loaded.node), d.package));
    } catch (e) {
      fail(e, d.configPath);
    }
  }

  setStruct(cfg, true);
  const byInput = new Map(parsed.map((p) => [p.input, p]));
  applyOverridesToConfig(defaultsList.configOverrides, cfg, (o) => byInput.get(o)?.plainValue());
  fillHydraNode(cfg, opts, parsed, defaultsList, repo);
  return { cfg, defaultsList, parsedOverrides: parsed, repo };
}

function put(cfg: DictNode, path: string, value: unknown): void {
  update(cfg, path, value, {
    merge: false,
    forceAdd: true,
    provenance: { note: "set by Kiln at composition" },
  });
}

function fillHydraNode(
  cfg: DictNode,
  opts: LoadOptions,
  parsed: ParsedOverride[],
  defaultsList: DefaultsList,
  repo: ConfigRepository,
): void {
  const hydraOverrides: string[] = [];
  const taskOverrides: string[] = [];
  const appOverrides: OverrideInput[] = [];
  for (const p of parsed) {
    if (isHydraOverride(p.input)) hydraOverrides.push(p.input.inputLine);
    else {
      taskOverrides.push(p.input.inputLine);
      appOverrides.push(p.input);
    }
  }
  const appendAll = (path: string, lines: string[]) => {
    const list = select(cfg, path);
    if (list instanceof ListNode) for (const l of lines) list.append(fromPlain(l, { note: "command line" }));
  };
  appendAll("hydra.overrides.hydra", hydraOverrides);
  appendAll("hydra.overrides.task", taskOverrides);

  const choices = select(cfg, "hydra.runtime.choices");
  if (choices instanceof DictNode) {
    for (const [k, v] of defaultsList.overrides.knownChoices) choices.set(k, fromPlain(v));
  }
  const envCopy = select(cfg, "hydra.job.env_copy");
  if (envCopy instanceof ListNode) {
    for (const item of envCopy.items) {
      const key = String((item as ValueNode).value);
      put(cfg, `hydra.job.env_set.${key}`, process.env[key] ?? null);
    }
  }
  put(cfg, "hydra.runtime.version", HYDRA_VERSION);
  put(cfg, "hydra.runtime.version_base", "1.3");
  put(cfg, "hydra.runtime.cwd", process.cwd());
  put(
    cfg,
    "hydra.runtime.config_sources",
    repo.sources.map((s) => {
      const i = s.url.indexOf("://");
      return { path: s.url.slice(i + 3), schema: s.url.slice(0, i), provider: s.provider };
    }),
  );
  const name = select(cfg, "hydra.job.name", { default: "???" });
  if (name === "???" || name === null) put(cfg, "hydra.job.name", opts.jobName);
  put(cfg, "hydra.job.override_dirname", overridesDirname(cfg, appOverrides));
  put(cfg, "hydra.job.config_name", opts.configName);
}

/** `hydra.job.override_dirname`: the task overrides, sorted, joined with the configured separators. */
function overridesDirname(cfg: DictNode, overrides: OverrideInput[]): string {
  const kvSep = String(select(cfg, "hydra.job.config.override_dirname.kv_sep", { default: "=" }));
  const itemSep = String(select(cfg, "hydra.job.config.override_dirname.item_sep", { default: "," }));
  const excl = select(cfg, "hydra.job.config.override_dirname.exclude_keys", { default: null });
  const exclude = new Set(
    excl instanceof ListNode ? excl.items.map((i) => String((i as ValueNode).value)) : [],
  );
  const lines = overrides.filter((o) => !exclude.has(o.keyOrGroup)).map((o) => o.inputLine);
  lines.sort();
  return lines.join(itemSep).replaceAll("=", kvSep);
}
