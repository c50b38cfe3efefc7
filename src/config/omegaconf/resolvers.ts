/** The resolver registry (OmegaConf.register_new_resolver) and the built-in resolvers. */
import { PyFloat } from "../../common/pyvalue.js";
import { ConfigKeyError, InterpolationResolutionError, ValidationError } from "./errors.js";
import { resolveKeyAndRoot, selectImpl } from "./key-path.js";
import { launchTime } from "./launch-time.js";
import { nodeStr } from "./node-str.js";
import { type ContainerNode, DictNode, isContainer, ListNode, type Node, ValueNode } from "./nodes.js";
import { attachResult, toContainer } from "./plain.js";
import { decodeElement, type EvalContext } from "./resolve.js";
import { strftime } from "./strftime.js";
import { parseYamlConfig } from "./yaml-load.js";

/** What a resolver sees as `this`: the node being resolved and its surroundings. */
export interface ResolverContext {
  /** The node whose value contains the interpolation. */
  node: Node;
  /** That node's parent (OmegaConf's `_parent_`). */
  parent: ContainerNode | null;
  /** The tree's root (OmegaConf's `_root_`). */
  root: Node;
  /** The full key path of `node`. */
  keyPath: string;
}

/**
 * A resolver: positional arguments as plain JS values (strings, numbers, booleans, null, arrays, objects);
 * `this` is the ResolverContext. It may return a plain value (objects/arrays become config nodes).
 */
// biome-ignore lint/suspicious/noExplicitAny: resolvers declare their own parameter types, as in Python.
export type Resolver = (this: ResolverContext, ...args: any[]) => unknown;

/** Options of registerResolver. */
export interface RegisterResolverOptions {
  /** Cache the result per argument text for the life of the process (or until clearResolverCache). */
  useCache?: boolean;
  /** Replace an existing resolver of the same name instead of throwing. */
  replace?: boolean;
}

/** Built-ins see raw arguments (containers as nodes, floats as PyFloat) and the evaluation context. */
type InternalResolver = (args: unknown[], ctx: EvalContext) => unknown;

interface Entry {
  fn: InternalResolver;
  useCache: boolean;
}

const registry = new Map<string, Entry>();
let builtinsRegistered = false;

/** The registry, with the built-in resolvers added on first use (importing this module registers nothing). */
function table(): Map<string, Entry> {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    registerBuiltins();
  }
  return registry;
}
const resultCache = new Map<string, Map<string, unknown>>();

/** Register a resolver usable as `${name:args}` (OmegaConf.register_new_resolver). */
export function registerResolver(name: string, fn: Resolver, options: RegisterResolverOptions = {}): void {
  registerInternal(name, (args, ctx) => fn.apply(publicContext(ctx), args.map(toPlainArg)), options);
}

function registerInternal(name: string, fn: InternalResolver, options: RegisterResolverOptions = {}): void {
  if (typeof name !== "string" || name === "")
    throw new ValidationError("resolver name must be a non-empty string");
  if (table().has(name) && !options.replace) {
    throw new ValidationError(
      `resolver '${name}' is already registered (pass {replace: true} to replace it)`,
    );
  }
  table().set(name, { fn, useCache: options.useCache ?? false });
  resultCache.delete(name);
}

/** Whether a resolver with this name is registered. */
export function hasResolver(name: string): boolean {
  return table().has(name);
}

/** Remove a resolver (built-ins too); returns whether it existed. */
export function clearResolver(name: string): boolean {
  resultCache.delete(name);
  return table().delete(name);
}

/** Forget cached resolver results (of one resolver, or all), e.g. between jobs so `${now:...}` is fresh. */
export function clearResolverCache(name?: string): void {
  if (name === undefined) resultCache.clear();
  else resultCache.delete(name);
}

/** The cached results of cached resolvers that are plain data (`${now:...}`), to hand to a child process. */
export function resolverCacheSnapshot(): [string, [string, unknown][]][] {
  const plain = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
  return [...resultCache].map(([name, cache]) => [name, [...cache].filter(([, v]) => plain(v))]);
}

/**
 * Adopts a parent's cached resolver results (Hydra's OmegaConf.copy_cache in load_sweep_config): a sweep job in
 * a child process then resolves `${now:...}` to the parent's time, so every job writes into the same sweep dir.
 */
export function restoreResolverCache(snapshot: [string, [string, unknown][]][]): void {
  for (const [name, entries] of snapshot) resultCache.set(name, new Map(entries));
}

/** Call the resolver `name`; undefined when no such resolver is registered. */
export function callResolver(
  name: string,
  args: unknown[],
  argsStr: string[],
  ctx: EvalContext,
): { value: unknown } | undefined {
  const entry = table().get(name);
  if (!entry) return undefined;
  if (!entry.useCache) return { value: entry.fn(args, ctx) };
  let cache = resultCache.get(name);
  if (!cache) {
    cache = new Map();
    resultCache.set(name, cache);
  }
  const cacheKey = JSON.stringify(argsStr);
  if (!cache.has(cacheKey)) cache.set(cacheKey, entry.fn(args, ctx));
  return { value: cache.get(cacheKey) };
}

function publicContext(ctx: EvalContext): ResolverContext {
  return { node: ctx.node, parent: ctx.node.parent, root: ctx.node.root(), keyPath: ctx.node.keyPath() };
}

function toPlainArg(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof ValueNode) return toPlainArg(v.value);
  if (isContainer(v)) return toContainer(v, { resolve: true });
  if (Array.isArray(v)) return v.map(toPlainArg);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlainArg(x)]));
  }
  return v;
}

/** OmegaConf's select_value with absolute_key=True: from the root, or relative to the node's parent. */
function selectFrom(ctx: EvalContext, key: string, throwOnMissing: boolean): Node | undefined {
  const parent = ctx.node.parent;
  if (parent === null) return undefined;
  const { root, key: rest } = resolveKeyAndRoot(parent, key);
  return selectImpl(root, rest, { throwOnMissing, memo: ctx.memo }).value;
}

function requireString(v: unknown, what: string): string {
  if (typeof v !== "string")
    throw new TypeError(`${what} requires a string as input, but obtained \`${nodeStr(v)}\``);
  return v;
}
/** OmegaConf's built-in resolvers (oc.*) and Hydra's `now`. */
function registerBuiltins(): void {
  registerInternal("oc.env", (args) => {
    const key = nodeStr(args[0]);
    const value = process.env[key];
    if (value !== undefined) return value;
    if (args.length > 1) return args[1] === null ? null : nodeStr(args[1]);
    throw new InterpolationResolutionError(`Environment variable '${key}' not found`);
  });

  registerInternal("oc.select", (args, ctx) => {
    const key = requireString(args[0], "`oc.select`");
    const node = selectFrom(ctx, key, false);
    const hasDefault = args.length > 1;
    if (node === undefined || (node instanceof ValueNode && node.isMissing()))
      return hasDefault ? args[1] : null;
    return node;
  });

  registerInternal("oc.decode", (args, ctx) => {
    const expr = args[0];
    if (expr === null) return null;
    if (typeof expr !== "string") {
      throw new TypeError(
        `\`oc.decode\` can only take strings or None as input, but \`${nodeStr(expr)}\` is not`,
      );
    }
    return decodeElement(expr, ctx);
  });

  registerInternal("oc.create", (args, ctx) => {
    let obj = args[0];
    if (typeof obj === "string") obj = parseYamlConfig(obj, {}).node;
    if (!isContainer(obj) && (obj === null || typeof obj !== "object")) {
      throw new ValidationError(`oc.create: cannot create a config from \`${nodeStr(obj)}\``);
    }
    return attachResult(obj, ctx.node);
  });

  registerInternal("oc.deprecated", (args, ctx) => {
    const key = requireString(args[0], "oc.deprecated:");
    const template =
      args.length > 1
        ? requireString(args[1], "oc.deprecated: message")
        : "'$OLD_KEY' is deprecated. Change your code and config to use '$NEW_KEY'";
    const oldKey = ctx.node.keyPath();
    const target = selectFrom(ctx, key, false);
    if (target === undefined)
      throw new ConfigKeyError(`In oc.deprecated resolver at '${oldKey}': Key not found: '${key}'`);
    const message = template.replaceAll("$OLD_KEY", oldKey).replaceAll("$NEW_KEY", target.keyPath());
    process.emitWarning(message, "UserWarning");
    return target;
  });

  function dictInput(
    args: unknown[],
    ctx: EvalContext,
    resolverName: string,
  ): { dict: DictNode; key: string } {
    const key = requireString(args[0], `\`${resolverName}\``);
    const dict = selectFrom(ctx, key, true);
    if (dict === undefined) throw new ConfigKeyError(`Key not found: '${key}'`);
    if (!(dict instanceof DictNode)) {
      throw new TypeError(
        `\`${resolverName}\` cannot be applied to objects of type: ${dict instanceof ListNode ? "ListConfig" : typeof (dict as ValueNode).value}`,
      );
    }
    return { dict, key };
  }

  registerInternal("oc.dict.keys", (args, ctx) =>
    attachResult(dictInput(args, ctx, "oc.dict.keys").dict.keys(), ctx.node),
  );

  registerInternal("oc.dict.values", (args, ctx) => {
    const { dict, key } = dictInput(args, ctx, "oc.dict.values");
    // The result list sits one level below the node's parent, so relative keys need one more dot.
    const base = key.startsWith(".") ? `.${key}` : key;
    return attachResult(
      dict.keys().map((k) => `\${${base}.${k}}`),
      ctx.node,
    );
  });

  // Hydra registers `now` (cached, so every `${now:...}` with the same format agrees during a run). Under
  // torchrun it is the job's first start (launch-time.ts), so restarted workers find their run folder again.
  registerResolver(
    "now",
    (pattern: unknown) => {
      if (typeof pattern !== "string")
        throw new TypeError("now: expects a strftime format string, e.g. now:%Y-%m-%d");
      return strftime(pattern, launchTime());
    },
    { useCache: true },
  );
}
