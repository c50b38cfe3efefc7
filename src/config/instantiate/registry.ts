/**
 * The `_target_` registry: the only names `instantiate` will construct or call (it doubles as an allowlist),
 * plus aliases (the Python names of the lightning-hydra-template) and explicit module targets.
 *
 * Other layers register their classes when they are imported (`registerTarget`), or declare a lazy loader
 * (`registerLazyTarget`) so that resolving one target imports only the module that holds it: the config
 * layer never loads libtorch by itself (docs/ARCHITECTURE.md, "Layers").
 *
 * Calling convention of an entry (how Hydra's `_args_` and keyword arguments map onto a JS call):
 * - `kind: "class"` → `new Target(...positional, options)`; `kind: "function"` → `target(...positional, options)`.
 *   When `kind` is left out it is detected from the value (`class` syntax → "class", else "function").
 * - `options` (default true): the config's keys (minus `_target_`, `_args_`, ...) are passed as ONE options object
 *   with the YAML's snake_case keys, always as the last argument (`{}` when there are none). `options: false`
 *   means the target takes only positional arguments, and leftover keys are an error.
 * - `positional` (optional): the names of the parameters that come before the options object, in order. Values
 *   of `_args_` fill these slots from the left; a config key with a slot's name fills that slot instead of going
 *   into the options object (Python's "positional argument given by keyword"); unfilled slots are `undefined`.
 *   More `_args_` than slots is an error. Without `positional`, every `_args_` value is passed before the
 *   options object as is.
 * Example: `registerTarget("kiln.torch.optim.Adam", Adam, { kind: "class", positional: ["params"] })` makes
 * `{_target_: torch.optim.Adam, lr: 0.001}` called with `params=...` become `new Adam(params, { lr: 0.001 })`.
 */
import { closestMatches } from "./suggest.js";

/** A constructor or function that a config may target. */
// biome-ignore lint/suspicious/noExplicitAny: targets are arbitrary user classes and functions.
export type TargetValue = ((...args: any[]) => unknown) | (new (...args: any[]) => unknown);

/** How a target is called: `new` (class) or a plain call (function). */
export type TargetKind = "class" | "function";

/** The calling convention of a target (see the module comment). */
export interface CallConvention {
  kind: TargetKind;
  positional?: readonly string[];
  options: boolean;
}

/** Options of registerTarget / registerLazyTarget. */
export interface RegisterOptions {
  kind?: TargetKind;
  positional?: readonly string[];
  options?: boolean;
  aliases?: readonly string[];
}

/** A target resolved to its value and calling convention. */
export interface ResolvedTarget extends CallConvention {
  /** The registered (Kiln) name, or the `file:`/`module:` reference, or the function's own name. */
  name: string;
  value: TargetValue;
}

/** One row of listTargets(). */
export interface TargetInfo {
  name: string;
  kind?: TargetKind;
  lazy: boolean;
  loaded: boolean;
  aliases: string[];
}

interface Entry {
  name: string;
  kind?: TargetKind;
  positional?: readonly string[];
  options: boolean;
  value?: TargetValue;
  loader?: () => Promise<unknown>;
  loading?: Promise<TargetValue>;
}

const entries = new Map<string, Entry>();
const aliases = new Map<string, string>();

/** True when `value` was written with `class` syntax (native classes need an explicit `kind`). */
export function isClassValue(value: unknown): boolean {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function checkName(name: string, what: string): void {
  if (typeof name !== "string" || name.trim() === "" || /\s/.test(name)) {
    throw new TypeError(`${what} must be a non-empty name without spaces, got ${JSON.stringify(name)}`);
  }
  if (name.startsWith("file:") || name.startsWith("module:")) {
    throw new TypeError(
      `${what} '${name}': the 'file:' and 'module:' prefixes are reserved for module targets`,
    );
  }
}

function checkCallable(name: string, value: unknown): TargetValue {
  if (typeof value !== "function") {
    throw new TypeError(`Target '${name}' must be a class or a function, got ${typeof value}`);
  }
  return value as TargetValue;
}

function addAliases(name: string, list: readonly string[] | undefined): void {
  for (const alias of list ?? []) registerAlias(alias, name);
}

/** Register a class or function under `name` (and optional aliases); see the module comment for `opts`. */
export function registerTarget(name: string, value: TargetValue, opts: RegisterOptions = {}): void {
  checkName(name, "Target name");
  checkCallable(name, value);
  if (aliases.has(name)) throw new Error(`Cannot register target '${name}': it is already an alias`);
  const existing = entries.get(name);
  // A lazy entry is upgraded when its module registers the loaded value at import time.
  if (existing?.value !== undefined && existing.value !== value) {
    throw new Error(`Target '${name}' is already registered with another value`);
  }
  const entry: Entry = existing ?? { name, options: true };
  entry.value = value;
  entry.kind = opts.kind ?? existing?.kind ?? (isClassValue(value) ? "class" : "function");
  if (opts.positional !== undefined) entry.positional = [...opts.positional];
  if (opts.options !== undefined) entry.options = opts.options;
  entries.set(name, entry);
  addAliases(name, opts.aliases);
}

/** Register `name` with a loader (e.g. `() => import("../../torch/optim.js").then((m) => m.Adam)`) run on first use. */
export function registerLazyTarget(
  name: string,
  loader: () => Promise<unknown>,
  opts: RegisterOptions = {},
): void {
  checkName(name, "Target name");
  if (aliases.has(name)) throw new Error(`Cannot register target '${name}': it is already an alias`);
  const existing = entries.get(name);
  // Already imported and registered eagerly: the loader has nothing left to do.
  if (existing?.value !== undefined) {
    addAliases(name, opts.aliases);
    return;
  }
  if (existing !== undefined) throw new Error(`Target '${name}' already has a lazy loader`);
  const entry: Entry = { name, options: opts.options ?? true, loader };
  if (opts.kind !== undefined) entry.kind = opts.kind;
  if (opts.positional !== undefined) entry.positional = [...opts.positional];
  entries.set(name, entry);
  addAliases(name, opts.aliases);
}

/** Make `alias` (e.g. a Python name like `torch.optim.Adam`) resolve to `name`; `name` may be registered later. */
export function registerAlias(alias: string, name: string): void {
  checkName(alias, "Alias");
  checkName(name, "Alias target");
  if (alias === name) throw new Error(`Alias '${alias}' cannot point to itself`);
  if (entries.has(alias)) throw new Error(`Cannot alias '${alias}': a target is registered under that name`);
  const existing = aliases.get(alias);
  if (existing !== undefined && existing !== name) {
    throw new Error(`Alias '${alias}' already points to '${existing}', cannot point it to '${name}'`);
  }
  aliases.set(alias, name);
}

/** Every registered target with its aliases, sorted by name. */
export function listTargets(): TargetInfo[] {
  const byTarget = new Map<string, string[]>();
  for (const alias of aliases.keys()) {
    const final = canonicalName(alias);
    byTarget.set(final, [...(byTarget.get(final) ?? []), alias]);
  }
  return [...entries.values()]
    .map((e) => ({
      name: e.name,
      ...(e.kind !== undefined ? { kind: e.kind } : {}),
      lazy: e.loader !== undefined,
      loaded: e.value !== undefined,
      aliases: (byTarget.get(e.name) ?? []).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every alias with the name it points to, sorted by alias. */
export function listAliases(): [alias: string, name: string][] {
  return [...aliases.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** Follow aliases to the registered name (cycles are impossible: aliases and target names are disjoint). */
function canonicalName(name: string): string {
  let current = name;
  const seen = new Set<string>();
  while (aliases.has(current) && !seen.has(current)) {
    seen.add(current);
    current = aliases.get(current)!;
  }
  return current;
}

/** The error for a name that is neither registered nor an alias of a registered target. */
export class UnknownTargetError extends Error {
  constructor(
    readonly target: string,
    message: string,
  ) {
    super(message);
    this.name = "UnknownTargetError";
  }
}

function unknownTarget(name: string): UnknownTargetError {
  const canonical = canonicalName(name);
  if (canonical !== name) {
    return new UnknownTargetError(
      name,
      `Target '${name}' is an alias of '${canonical}', which is not registered. ` +
        "Its module registers it when imported: import that module (or the Kiln entry point) before instantiating.",
    );
  }
  const candidates = [...entries.keys(), ...aliases.keys()];
  const near = closestMatches(name, candidates);
  const hint = near.length > 0 ? ` Did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : "";
  return new UnknownTargetError(
    name,
    `Unknown target '${name}': it is not in Kiln's target registry.${hint}\n` +
      "Targets are Kiln classes and functions registered by name (see listTargets()), their Python aliases, " +
      `or your own module named explicitly: _target_: "file:./path/to/module.ts#ExportName" ` +
      `or "module:package-name#ExportName".`,
  );
}

function conventionOf(entry: Entry, value: TargetValue): ResolvedTarget {
  const kind = entry.kind ?? (isClassValue(value) ? "class" : "function");
  return {
    name: entry.name,
    value,
    kind,
    options: entry.options,
    ...(entry.positional !== undefined ? { positional: entry.positional } : {}),
  };
}

/** Resolve a registered name or alias without loading anything; throws for unknown or not-yet-loaded lazy targets. */
export function resolveTargetSync(name: string): ResolvedTarget {
  const entry = entries.get(canonicalName(name));
  if (entry === undefined) throw unknownTarget(name);
  if (entry.value === undefined) {
    throw new Error(
      `Target '${name}' is registered lazily and not loaded yet: use 'await instantiate(...)', ` +
        `or 'await resolveTarget("${name}")' once before 'instantiateSync'`,
    );
  }
  return conventionOf(entry, entry.value);
}

/** Resolve a registered name or alias, running its lazy loader (once) if needed. */
export async function resolveTarget(name: string): Promise<ResolvedTarget> {
  const entry = entries.get(canonicalName(name));
  if (entry === undefined) throw unknownTarget(name);
  if (entry.value === undefined && entry.loader !== undefined) {
    const loader = entry.loader;
    entry.loading ??= loader().then(
      (value) => {
        // The loaded module may have registered the value itself at import time.
        entry.value ??= checkCallable(entry.name, value);
        return entry.value;
      },
      (err: unknown) => {
        entry.loading = undefined;
        throw new Error(
          `Loading target '${entry.name}' failed: ${err instanceof Error ? err.message : err}`,
          {
            cause: err,
          },
        );
      },
    );
    await entry.loading;
  }
  return resolveTargetSync(name);
}

/** The registered name of a class or function value, if it is registered (for error messages). */
export function registeredNameOf(value: unknown): string | undefined {
  for (const entry of entries.values()) if (entry.value === value) return entry.name;
  return undefined;
}

/** The calling convention registered for a value, or the one detected from it. */
export function conventionForValue(value: TargetValue): ResolvedTarget {
  for (const entry of entries.values()) if (entry.value === value) return conventionOf(entry, value);
  return {
    name: value.name || "<anonymous>",
    value,
    kind: isClassValue(value) ? "class" : "function",
    options: true,
  };
}
