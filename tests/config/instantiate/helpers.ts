/**
 * Small classes and functions registered for the instantiate tests, mirroring hydra's tests/instantiate/__init__.py
 * (AClass, BClass, Tree, ArgsClass, Compose, ...) in Kiln's calling convention: one options object.
 */
import {
  checkOptions,
  isPartialTarget,
  type PartialTarget,
  registerTarget,
} from "../../../src/config/instantiate/index.js";
import { nodeOfView, toContainer } from "../../../src/config/omegaconf/index.js";

type Options = Record<string, unknown>;

export class AClass {
  a: unknown;
  b: unknown;
  c: unknown;
  d: unknown;
  constructor({ a, b, c, d = "default_value" }: Options) {
    Object.assign(this, { a, b, c, d });
  }
}

export class BClass {
  a: unknown;
  b: unknown;
  c: unknown;
  d: unknown;
  constructor({ a, b = "b", c = "c", d = "d" }: Options) {
    Object.assign(this, { a, b, c, d });
  }
}

export class Tree {
  value: unknown;
  left: unknown;
  right: unknown;
  constructor({ value, left = null, right = null }: Options) {
    Object.assign(this, { value, left, right });
  }
}

/** Records what it was called with: positional arguments and the options object. */
export class ArgsClass {
  args: unknown[];
  kwargs: Options;
  constructor(...all: unknown[]) {
    this.kwargs = (all.pop() as Options) ?? {};
    this.args = all;
  }
}

export class SimpleClass {
  a: unknown;
  b: unknown;
  constructor({ a, b }: Options) {
    Object.assign(this, { a, b });
  }
}

export class Compose {
  transforms: unknown;
  constructor({ transforms }: Options) {
    this.transforms = transforms;
  }
}

export class CenterCrop {
  size: unknown;
  constructor({ size }: Options) {
    this.size = size;
  }
}

export class Rotation {
  degrees: unknown;
  constructor({ degrees }: Options) {
    this.degrees = degrees;
  }
}

export class Mapping {
  dictionary: unknown;
  constructor({ dictionary = null }: Options) {
    this.dictionary = dictionary;
  }
}

/** A PyTorch-style optimizer: `new Adam(params, { lr, ... })`, rejecting unknown options. */
export class Adam {
  static readonly optionKeys = ["lr", "betas", "eps", "weight_decay", "amsgrad"];
  params: unknown;
  lr: number;
  betas: number[];
  constructor(params: unknown, options: Options = {}) {
    checkOptions(options, Adam.optionKeys, "Adam");
    if (params === undefined) throw new TypeError("Adam() missing required argument: 'params'");
    this.params = params;
    this.lr = (options.lr as number) ?? 0.001;
    this.betas = (options.betas as number[]) ?? [0.9, 0.999];
  }
}

export function addValues({ a, b }: Options): number {
  return (a as number) + (b as number);
}

export function moduleFunction({ x }: Options): unknown {
  return x;
}

export class ExceptionTakingNoArgument extends Error {
  constructor() {
    super("Err message");
    this.name = "ExceptionTakingNoArgument";
  }
}

export function raiseExceptionTakingNoArgument(): never {
  throw new ExceptionTakingNoArgument();
}

/** A Python-style function that takes only positional arguments. */
export function pair(a: unknown, b: unknown): unknown[] {
  return [a, b];
}

registerTarget("tests.instantiate.AClass", AClass);
registerTarget("tests.instantiate.BClass", BClass);
registerTarget("tests.instantiate.Tree", Tree);
registerTarget("tests.instantiate.ArgsClass", ArgsClass);
registerTarget("tests.instantiate.SimpleClass", SimpleClass);
registerTarget("tests.instantiate.Compose", Compose);
registerTarget("tests.instantiate.CenterCrop", CenterCrop);
registerTarget("tests.instantiate.Rotation", Rotation);
registerTarget("tests.instantiate.Mapping", Mapping);
registerTarget("tests.instantiate.Adam", Adam, { kind: "class", positional: ["params"] });
registerTarget("tests.instantiate.add_values", addValues);
registerTarget("tests.instantiate.module_function", moduleFunction);
registerTarget("tests.instantiate.raise_exception_taking_no_argument", raiseExceptionTakingNoArgument);
registerTarget("tests.instantiate.pair", pair, { kind: "function", positional: ["a", "b"], options: false });

/** A plain snapshot of a result: views become plain containers, partial factories a tagged record. */
export function plain(value: unknown): unknown {
  if (isPartialTarget(value)) {
    const p = value as PartialTarget;
    return { partial: p.targetName, args: plain([...p.args]), keywords: plain({ ...p.keywords }) };
  }
  const node = value !== null && typeof value === "object" ? nodeOfView(value) : undefined;
  if (node !== undefined) return toContainer(node);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const out: Options = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return Object.getPrototypeOf(value) === Object.prototype ? out : { [value.constructor.name]: out };
  }
  return value;
}

/** True when `value` is a DictConfig/ListConfig view (not a plain container). */
export function isView(value: unknown): boolean {
  return value !== null && typeof value === "object" && nodeOfView(value) !== undefined;
}
