/**
 * The compose API (Hydra's `initialize` + `compose` in one call): a config from a folder, a config name
 * and overrides, for tests, notebooks and scripts; no output dir, no run. The `hydra` node is composed
 * too, so `${hydra:...}` resolves (runtime.output_dir is the would-be run dir, not created).
 */
import { resolve as resolvePath } from "node:path";
import { type DictConfig, DictNode, select, setStruct, toView, update } from "../omegaconf/index.js";
import { type LoadedConfiguration, loadConfiguration, type RunMode } from "./config-loader.js";
import { registerHydraResolver, setHydraConfig } from "./hydra-context.js";

/** Options of `compose`. */
export interface ComposeOptions {
  /** The primary config folder. */
  configDir?: string | null;
  /** The primary config (without `.yaml`); null composes from overrides alone. */
  configName?: string | null;
  overrides?: string[];
  /** Keep the `hydra` node in the result (default false, like Hydra). */
  returnHydraConfig?: boolean;
  /** Struct mode on the result (default true: unknown keys are errors). */
  strict?: boolean;
  /** `--config-dir`: one more folder on the search path. */
  extraConfigDir?: string | null;
  /** `hydra.job.name` (default: the config name, else "app"). */
  jobName?: string;
  /** Receives composition warnings (default: process.emitWarning). */
  warn?: (message: string) => void;
}

/** A composition's node tree, before it is turned into a view. */
export interface ComposedNodes extends LoadedConfiguration {
  /** The task config (without `hydra` unless kept). */
  task: DictNode;
  /** The `hydra` node. */
  hydra: DictNode;
}

/** Internal options of `composeNodes` (the run layer's). */
export interface ComposeNodesOptions extends ComposeOptions {
  mode?: RunMode;
  validateSweeps?: boolean;
  /** Fill `hydra.runtime.output_dir` with the would-be run dir (compose API; a run sets the real one). */
  presetOutputDir?: boolean;
}

/** Composes and splits the result into the task config and the hydra node. */
export function composeNodes(opts: ComposeNodesOptions): ComposedNodes {
  registerHydraResolver();
  const configName = opts.configName ?? null;
  const loaded = loadConfiguration({
    configDir: opts.configDir ?? null,
    extraConfigDir: opts.extraConfigDir ?? null,
    configName,
    overrides: opts.overrides ?? [],
    mode: opts.mode ?? "RUN",
    jobName: opts.jobName ?? configName ?? "app",
    validateSweeps: opts.validateSweeps,
    warn: opts.warn,
  });
  const hydra = loaded.cfg.get("hydra") as DictNode;
  if (opts.presetOutputDir) setRuntimeOutputDir(loaded.cfg);
  setHydraConfig(hydra, loaded.cfg);
  let task = loaded.cfg;
  if (!opts.returnHydraConfig) {
    // The task config loses its `hydra` key; the hydra node keeps a holder so `${hydra.x}` inside it resolves.
    task = new DictNode(loaded.cfg.provenance);
    for (const k of loaded.cfg.keys()) if (k !== "hydra") task.set(k, loaded.cfg.get(k)!);
    Object.assign(task.flags, loaded.cfg.flags);
    setHydraConfig(hydra, task);
  }
  if (opts.strict === false) setStruct(task, false);
  return { ...loaded, task, hydra };
}

/** Sets `hydra.runtime.output_dir` to the absolute run dir when it resolves (not created here). */
function setRuntimeOutputDir(cfg: DictNode): void {
  try {
    const dir = select(cfg, "hydra.run.dir");
    if (typeof dir === "string" && dir !== "???") {
      update(cfg, "hydra.runtime.output_dir", resolvePath(dir), { forceAdd: true, merge: false });
    }
  } catch {
    // A run dir that cannot resolve yet (e.g. it needs a value set later) stays `???` until a run sets it.
  }
}

/** Composes a config (Hydra's compose API) and returns it as a DictConfig view. */
export function compose(opts: ComposeOptions): DictConfig {
  return toView(composeNodes({ ...opts, presetOutputDir: true }).task);
}
