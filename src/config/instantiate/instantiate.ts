/**
 * Hydra's `instantiate` (hydra/_internal/instantiate/_instantiate2.py), node for node:
 * - `_target_`: a registered name or alias, a `file:`/`module:` reference (module-targets.ts), or a class or
 *   function value; called by its calling convention (registry.ts) with the other keys as one options object.
 * - `_args_`: positional arguments (a list), before the options object.
 * - `_partial_: true`: returns a factory (functools.partial) instead of calling the target.
 * - `_recursive_` (default true): nested `_target_` configs are instantiated depth-first; false passes them on
 *   as config. It is read per node and inherited downwards, like `_convert_`.
 * - `_convert_`: what nested configs that are not targets become. "none" (default): DictConfig/ListConfig views
 *   (plain objects/arrays when they hold instantiated objects, which a view cannot). "partial", "all",
 *   "object": plain objects and arrays (Kiln has no structured configs, so the three are the same).
 * Keyword arguments given at call time are merged into (a copy of) the config first, and win.
 */
import { EnvironmentVariableError } from "../../common/env-error.js";
import { recordConfigOrigin } from "../../common/origins.js";
import { MISSING } from "../omegaconf/index.js";
import { callTarget, isPlainObject, makePartial, recordInstantiated } from "./call.js";
import { OptionsError, OptionValueError } from "./check-options.js";
import { type ErrorSite, InstantiationError, instantiationError } from "./errors.js";
import { isModuleTarget, loadedModuleTarget, resolveModuleTarget } from "./module-targets.js";
import { describeInputType, joinKey, type PreparedConfig, prepareConfig, toConfigView } from "./prepare.js";
import { conventionForValue, type ResolvedTarget, resolveTarget, resolveTargetSync } from "./registry.js";

/** `_convert_` values (case-insensitive in configs, like Hydra's ConvertMode). */
export type ConvertMode = "none" | "partial" | "all" | "object";

const CONVERT_MODES: readonly ConvertMode[] = ["none", "partial", "all", "object"];
const SPECIAL_KEYS = new Set(["_target_", "_convert_", "_recursive_", "_partial_"]);

/** Call-time arguments: keyword arguments merged into the config, plus `_args_` / `_recursive_` / ... flags. */
export type InstantiateOverrides = Record<string, unknown>;

type Lookup = (target: string) => ResolvedTarget;

interface Walk {
  prepared: PreparedConfig;
  lookup: Lookup;
}

function typeName(value: unknown): string {
  return describeInputType(value);
}

/** The error site of a node: its full key, and the provenance of the first of `blame` (else the node) that has one. */
function siteOf(walk: Walk, fullKey: string, ...blame: string[]): ErrorSite {
  for (const key of [...blame, fullKey]) {
    const provenance = walk.prepared.provenanceAt(key);
    if (provenance !== undefined && provenance.length > 0) return { fullKey, provenance };
  }
  return { fullKey };
}

function convertModeOf(value: unknown, walk: Walk, fullKey: string): ConvertMode {
  const mode = typeof value === "string" ? value.toLowerCase() : value;
  if (!CONVERT_MODES.includes(mode as ConvertMode)) {
    throw instantiationError(
      `Instantiation: _convert_ must be one of ${CONVERT_MODES.join(", ")}, got '${String(value)}'`,
      siteOf(walk, fullKey, joinKey(fullKey, "_convert_")),
    );
  }
  return mode as ConvertMode;
}

function boolFlag(
  node: Record<string, unknown>,
  key: string,
  inherited: boolean,
  walk: Walk,
  at: string,
): boolean {
  if (!(key in node)) return inherited;
  const value = node[key];
  if (typeof value !== "boolean") {
    throw instantiationError(
      `Instantiation: ${key} flag must be a bool, got ${typeName(value)} '${String(value)}' (write ${key}: true or false)`,
      siteOf(walk, at, joinKey(at, key)),
    );
  }
  return value;
}

/** A nested value as `_convert_` wants it: views for "none", plain containers otherwise. */
function convertContainer<T>(value: T, convert: ConvertMode): unknown {
  return convert === "none" ? toConfigView(value) : value;
}

function resolveTargetValue(walk: Walk, node: Record<string, unknown>, fullKey: string): ResolvedTarget {
  const target = node._target_;
  const site = siteOf(walk, fullKey, joinKey(fullKey, "_target_"));
  if (typeof target === "function") return conventionForValue(target as ResolvedTarget["value"]);
  if (typeof target !== "string") {
    throw instantiationError(
      `Expected a callable target, got '${String(target)}' of type '${typeName(target)}'`,
      site,
    );
  }
  try {
    return walk.lookup(target);
  } catch (err) {
    throw instantiationError(`Error locating target '${target}':`, site, err);
  }
}

function displayName(node: Record<string, unknown>, target: ResolvedTarget): string {
  return typeof node._target_ === "string" ? node._target_ : target.name;
}

function callError(walk: Walk, name: string, fullKey: string, err: unknown): Error {
  // An environment variable is not a config value: its error names the variable, and no config line.
  if (err instanceof EnvironmentVariableError) return err;
  // An unknown option, or an option with a bad value, points at its own line (or override); other errors at
  // the `_target_` line.
  if (err instanceof OptionValueError) {
    // An option that was itself instantiated (`model.net`) is blamed on its `_target_` line or override first.
    const key = joinKey(fullKey, err.option);
    const site = siteOf(walk, key, joinKey(key, "_target_"), key, joinKey(fullKey, "_target_"));
    return instantiationError(`Error in call to target '${name}':`, site, err);
  }
  const badKey = err instanceof OptionsError ? err.badKeys[0] : undefined;
  const target = joinKey(fullKey, "_target_");
  const site =
    badKey !== undefined
      ? siteOf(walk, fullKey, joinKey(fullKey, badKey), target)
      : siteOf(walk, fullKey, target);
  return instantiationError(`Error in call to target '${name}':`, site, err);
}

function instantiateTarget(
  walk: Walk,
  node: Record<string, unknown>,
  fullKey: string,
  convert: ConvertMode,
  recursive: boolean,
  partial: boolean,
): unknown {
  const target = resolveTargetValue(walk, node, fullKey);
  const name = displayName(node, target);
  const kwargs: Record<string, unknown> = {};
  let args: unknown[] = [];
  for (const [key, raw] of Object.entries(node)) {
    if (SPECIAL_KEYS.has(key)) continue;
    const at = joinKey(fullKey, key);
    if (raw === MISSING) {
      // Hydra 1.3: a partial leaves mandatory values out, for the caller to supply.
      if (partial) continue;
      throw instantiationError(
        `Missing mandatory value: ${at}\nSet it in the config or on the command line (${at}=...).`,
        siteOf(walk, fullKey, at),
      );
    }
    if (key === "_args_") {
      if (!Array.isArray(raw)) {
        const cause = new InstantiationError(
          `Unsupported _args_ type: '${typeName(raw)}'. value: '${String(raw)}'`,
        );
        throw instantiationError(
          `Error in collecting args and kwargs for '${name}':`,
          siteOf(walk, fullKey, at),
          cause,
        );
      }
      args = raw.map((item, i) =>
        recursive ? instantiateNode(walk, item, joinKey(at, i), convert, recursive, false) : item,
      );
      continue;
    }
    const value = recursive ? instantiateNode(walk, raw, at, convert, recursive, false) : raw;
    kwargs[key] = convertContainer(value, convert);
  }
  if (partial) return makePartial(target, args, kwargs, (err) => callError(walk, name, fullKey, err));
  let result: unknown;
  try {
    result = callTarget(target, args, kwargs);
  } catch (err) {
    throw callError(walk, name, fullKey, err);
  }
  recordInstantiated(result, name, args, kwargs);
  recordConfigOrigin(result, fullKey);
  return result;
}

function instantiateNode(
  walk: Walk,
  value: unknown,
  fullKey: string,
  inheritedConvert: ConvertMode,
  inheritedRecursive: boolean,
  inheritedPartial: boolean,
): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const items = value.map((item, i) =>
      instantiateNode(walk, item, joinKey(fullKey, i), inheritedConvert, inheritedRecursive, false),
    );
    return convertContainer(items, inheritedConvert);
  }
  if (!isPlainObject(value)) return value;
  const convert = "_convert_" in value ? convertModeOf(value._convert_, walk, fullKey) : inheritedConvert;
  const recursive = boolFlag(value, "_recursive_", inheritedRecursive, walk, fullKey);
  const partial = boolFlag(value, "_partial_", inheritedPartial, walk, fullKey);
  if ("_target_" in value) return instantiateTarget(walk, value, fullKey, convert, recursive, partial);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = instantiateNode(walk, item, joinKey(fullKey, key), convert, recursive, false);
  }
  return convertContainer(out, convert);
}

/** The target strings the walk will resolve, honouring `_recursive_: false` (so nothing else gets loaded). */
function collectTargets(value: unknown, recursive: boolean, out: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) collectTargets(item, recursive, out);
  } else if (isPlainObject(value)) {
    const own = typeof value._recursive_ === "boolean" ? value._recursive_ : recursive;
    if ("_target_" in value) {
      if (typeof value._target_ === "string") out.add(value._target_);
      if (!own) return out;
    }
    for (const [key, item] of Object.entries(value))
      if (!SPECIAL_KEYS.has(key)) collectTargets(item, own, out);
  }
  return out;
}

/** Resolve a registered name, alias, or `file:`/`module:` reference to its value and calling convention. */
export function resolveAnyTarget(name: string): Promise<ResolvedTarget> {
  return isModuleTarget(name) ? resolveModuleTarget(name) : resolveTarget(name);
}

function lookupTargetSync(name: string): ResolvedTarget {
  if (!isModuleTarget(name)) return resolveTargetSync(name);
  const loaded = loadedModuleTarget(name);
  if (loaded === undefined) {
    throw new Error(`Module target '${name}' loads asynchronously: use 'await instantiate(...)'`);
  }
  return loaded;
}

function start(
  config: unknown,
  overrides: InstantiateOverrides,
): { prepared: PreparedConfig; run(lookup: Lookup): unknown } | null {
  if (config === null || config === undefined) return null;
  const kind = describeInputType(config);
  if (kind === "dict" || kind === "DictConfig") {
    const prepared = prepareConfig(config, overrides);
    return {
      prepared,
      run: (lookup) =>
        instantiateNode({ prepared, lookup }, prepared.tree, prepared.keyPrefix, "none", true, false),
    };
  }
  if (kind === "list" || kind === "ListConfig") {
    const { _recursive_ = true, _convert_ = "none", _partial_ = false, ...rest } = overrides;
    if (_partial_ !== false) {
      throw new InstantiationError(
        "The _partial_ keyword is not compatible with top-level list instantiation",
      );
    }
    if (Object.keys(rest).length > 0) {
      throw new InstantiationError(
        `Keyword arguments (${Object.keys(rest).join(", ")}) cannot be merged into a top-level list config; ` +
          "only _recursive_ and _convert_ apply to a list",
      );
    }
    const prepared = prepareConfig(config, {});
    return {
      prepared,
      run(lookup) {
        const walk = { prepared, lookup };
        const convert = convertModeOf(_convert_, walk, prepared.keyPrefix);
        if (typeof _recursive_ !== "boolean")
          throw new InstantiationError("Instantiation: _recursive_ flag must be a bool");
        return instantiateNode(walk, prepared.tree, prepared.keyPrefix, convert, _recursive_, false);
      },
    };
  }
  throw new InstantiationError(
    `Cannot instantiate config of type ${kind}.\n` +
      "Top level config must be a DictConfig/ListConfig (or its view), or a plain object/array.",
  );
}

/**
 * Instantiate a config (plain object, or omegaconf node/view) — Hydra's `instantiate(config, *args, **kwargs)`.
 * `overrides` are the keyword arguments: merged into a copy of the config (they win), so
 * `instantiate(cfg.trainer, { callbacks, logger })` works as in Python; positional arguments go in
 * `overrides._args_` (they replace the config's `_args_`, as Hydra's do), and `_partial_` / `_recursive_` /
 * `_convert_` there set the flags. Lazy and module targets are loaded first, and only those this config names.
 */
export async function instantiate<T = unknown>(
  config: unknown,
  overrides: InstantiateOverrides = {},
): Promise<T> {
  const job = start(config, overrides);
  if (job === null) return null as T;
  const names = collectTargets(job.prepared.tree, true, new Set());
  const resolved = new Map<string, ResolvedTarget | { error: unknown }>();
  await Promise.all(
    [...names].map(async (name) => {
      try {
        resolved.set(name, await resolveAnyTarget(name));
      } catch (error) {
        resolved.set(name, { error });
      }
    }),
  );
  return job.run((name) => {
    const hit = resolved.get(name);
    if (hit === undefined) return lookupTargetSync(name);
    if ("error" in hit) throw hit.error;
    return hit;
  }) as T;
}

/** instantiate for configs whose targets are all registered eagerly (or already loaded): no await needed. */
export function instantiateSync<T = unknown>(config: unknown, overrides: InstantiateOverrides = {}): T {
  const job = start(config, overrides);
  return (job === null ? null : job.run(lookupTargetSync)) as T;
}
