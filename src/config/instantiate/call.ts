/**
 * Calling a resolved target with Hydra-style positional arguments (`_args_`) and keyword arguments, by the
 * entry's calling convention (registry.ts), and `_partial_` factories (functools.partial).
 */
import type { CallConvention, ResolvedTarget, TargetValue } from "./registry.js";

/** True for `{...}` objects (not arrays, class instances, views' targets aside): the values Hydra merges. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The JS argument list for a call: positional slots (by name or from `_args_`), then the options object. */
export function buildCallArguments(
  convention: CallConvention,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
): unknown[] {
  const options: Record<string, unknown> = { ...kwargs };
  let slots: unknown[];
  if (convention.positional !== undefined) {
    const names = convention.positional;
    if (args.length > names.length) {
      const expected =
        names.length === 0 ? "no positional arguments" : `at most ${names.length} (${names.join(", ")})`;
      throw new TypeError(`takes ${expected} but ${args.length} were given in _args_`);
    }
    slots = names.map((name, i) => {
      const byName = Object.hasOwn(options, name);
      if (i < args.length) {
        if (byName)
          throw new TypeError(`got multiple values for argument '${name}' (in _args_ and as a key)`);
        return args[i];
      }
      const value = options[name];
      delete options[name];
      return byName ? value : undefined;
    });
  } else {
    slots = [...args];
  }
  if (convention.options) {
    slots.push(options);
  } else {
    const extra = Object.keys(options);
    if (extra.length > 0) {
      throw new TypeError(`takes positional arguments only; unexpected key(s): ${extra.join(", ")}`);
    }
  }
  return slots;
}

/** Call or construct the target: `new C(...slots, options)` for classes, `fn(...slots, options)` for functions. */
export function callTarget(
  target: ResolvedTarget,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
): unknown {
  const callArgs = buildCallArguments(target, args, kwargs);
  if (target.kind === "class") return Reflect.construct(target.value, callArgs);
  return (target.value as (...args: unknown[]) => unknown)(...callArgs);
}

/** A `_partial_: true` result: call it to construct/call the target with the bound and the later arguments. */
export interface PartialTarget<T = unknown> {
  (...laterArgs: unknown[]): T;
  /** The target's registered name (or module reference). */
  readonly targetName: string;
  /** The class or function that will be called. */
  readonly func: TargetValue;
  /** Bound positional arguments (from `_args_`). */
  readonly args: readonly unknown[];
  /** Bound keyword arguments (the options from the config). */
  readonly keywords: Readonly<Record<string, unknown>>;
}

/** True for a factory made by `_partial_: true`. */
export function isPartialTarget(value: unknown): value is PartialTarget {
  return typeof value === "function" && partials.has(value);
}

const partials = new WeakSet<object>();

/**
 * functools.partial for a target: later positional arguments are appended to the bound ones; when the target
 * takes an options object and the last later argument is a plain object, it is merged over the bound options
 * (so `factory({ params })` and, with `positional: ["params"]`, `factory(params)` both work).
 * `wrapError` turns an error of the eventual call into one that names the config node.
 */
export function makePartial(
  target: ResolvedTarget,
  boundArgs: readonly unknown[],
  boundKwargs: Record<string, unknown>,
  wrapError: (err: unknown) => Error,
): PartialTarget {
  const factory = (...later: unknown[]) => {
    let laterArgs = later;
    let laterKwargs: Record<string, unknown> = {};
    if (target.options && later.length > 0 && isPlainObject(later[later.length - 1])) {
      laterArgs = later.slice(0, -1);
      laterKwargs = later[later.length - 1] as Record<string, unknown>;
    }
    try {
      return callTarget(target, [...boundArgs, ...laterArgs], { ...boundKwargs, ...laterKwargs });
    } catch (err) {
      throw wrapError(err);
    }
  };
  Object.defineProperties(factory, {
    name: { value: `partial(${target.name})` },
    targetName: { value: target.name, enumerable: true },
    func: { value: target.value, enumerable: true },
    args: { value: Object.freeze([...boundArgs]), enumerable: true },
    keywords: { value: Object.freeze({ ...boundKwargs }), enumerable: true },
  });
  partials.add(factory);
  return factory as PartialTarget;
}

const configs = new WeakMap<object, Record<string, unknown>>();

/** Remembers the config an object was instantiated from (its `_target_` and arguments), for describeInstantiated. */
export function recordInstantiated(
  value: unknown,
  target: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
): void {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
  const config: Record<string, unknown> = { _target_: target };
  if (args.length > 0) config._args_ = args.map(describeInstantiated);
  for (const [k, v] of Object.entries(kwargs)) config[k] = describeInstantiated(v);
  configs.set(value, config);
}

/**
 * A plain config that rebuilds `value` with instantiate: what it was instantiated from (a `_partial_: true`
 * factory as its target and bound arguments), arrays and plain objects item by item, other values as they are.
 * What checkpoints store in hyper_parameters for objects (Lightning pickles them; Kiln saves their recipe).
 */
export function describeInstantiated(value: unknown): unknown {
  if (isPartialTarget(value)) {
    const out: Record<string, unknown> = { _target_: value.targetName, _partial_: true };
    if (value.args.length > 0) out._args_ = value.args.map(describeInstantiated);
    for (const [k, v] of Object.entries(value.keywords)) out[k] = describeInstantiated(v);
    return out;
  }
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const config = configs.get(value);
    if (config) return config;
  }
  if (Array.isArray(value)) return value.map(describeInstantiated);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeInstantiated(v)]));
  }
  return value;
}
