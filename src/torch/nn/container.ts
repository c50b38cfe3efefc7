// Containers: Sequential, ModuleList, ModuleDict. Children live in an ordered Map (keys "0", "1", ... for the
// indexed ones), so names keep insertion order even when they look like integers.
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";

type AnyForward = (...args: unknown[]) => unknown;

/** Runs a child through its call() without knowing its forward's signature. */
function callChild(m: Module, input: unknown): unknown {
  return (m.call as AnyForward).call(m, input);
}

export abstract class MapContainer extends Module {
  protected readonly items = new Map<string, Module>();

  override namedChildren(): [string, Module][] {
    return [...this.items.entries()];
  }

  override registerModule(name: string, module: Module | null): void {
    if (name === "" || name.includes(".")) {
      throw new Error(
        `${this.constructor.name}: child names must be non-empty and contain no "." (got "${name}")`,
      );
    }
    if (module === null) this.items.delete(name);
    else this.items.set(name, module);
  }

  /** Number of children. */
  get length(): number {
    return this.items.size;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.items.values();
  }

  protected indexed(index: number): Module {
    const n = this.items.size;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`index ${index} is out of range for ${this.constructor.name} of length ${n}`);
    }
    return [...this.items.values()][i]!;
  }
}

/** Children applied in order: `new Sequential(new Linear(4, 8), new ReLU())`, named "0", "1", ... */
export class Sequential extends MapContainer {
  /** Builds from modules (named by position) or from one Map of named modules. */
  constructor(...modules: Module[] | [Map<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first instanceof Map) {
      for (const [name, m] of first) this.registerModule(name, m);
    } else {
      for (const [i, m] of (modules as Module[]).entries()) this.registerModule(String(i), m);
    }
  }

  /** The i-th child (negative counts from the end). */
  at(index: number): Module {
    return this.indexed(index);
  }

  /** Appends a module under the next index; returns this. */
  append(module: Module): this {
    this.registerModule(String(this.items.size), module);
    return this;
  }

  /** Feeds the input through each child in order (typed for the common tensor-in, tensor-out chain). */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this.items.values()) x = callChild(m, x);
    return x as Tensor;
  }
}

/** A list of submodules, registered under "0", "1", ... (no forward of its own). */
export class ModuleList extends MapContainer {
  /** Builds from a list of modules. */
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** The i-th module (negative counts from the end). */
  at(index: number): Module {
    return this.indexed(index);
  }

  /** Appends a module; returns this. */
  append(module: Module): this {
    this.registerModule(String(this.items.size), module);
    return this;
  }

  /** Appends several modules; returns this. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }
}

/** Submodules by name, in insertion order (no forward of its own). */
export class ModuleDict extends MapContainer {
  /** Builds from a Map or a plain object of modules. */
  constructor(modules: Map<string, Module> | Record<string, Module> = {}) {
    super();
    this.update(modules);
  }

  /** The module under `key`; throws naming the known keys when absent. */
  get(key: string): Module {
    const m = this.items.get(key);
    if (m === undefined) {
      throw new Error(
        `ModuleDict has no key "${key}" (keys: ${[...this.items.keys()].join(", ") || "none"})`,
      );
    }
    return m;
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: Module): void {
    this.registerModule(key, module);
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Removes `key` and returns its module. */
  pop(key: string): Module {
    const m = this.get(key);
    this.items.delete(key);
    return m;
  }

  /** Keys in order. */
  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Modules in order. */
  values(): Module[] {
    return [...this.items.values()];
  }

  /** [key, module] pairs in order. */
  entries(): [string, Module][] {
    return [...this.items.entries()];
  }

  /** Adds every entry of a Map or object; returns this. */
  update(modules: Map<string, Module> | Record<string, Module>): this {
    const pairs = modules instanceof Map ? modules.entries() : Object.entries(modules);
    for (const [k, m] of pairs) this.registerModule(k, m);
    return this;
  }
}
