// What crosses to and from DataLoader worker threads: PyTorch pickles the dataset, collate_fn and
// worker_init_fn into each worker process; Kiln packs them the same way pickle does (a class by its module and
// name, an instance by its own fields, shared references kept), with tensors put in transit instead of copied.
// Worker threads have their own module instances, so a class or function is rebuilt by importing its module
// there: Kiln's own data classes are known by name, a user's are registered with registerForWorkers.
import { Tensor } from "../tensor.js";
import { adoptTensors, dropSharedTensors, shareTensors } from "../transit.js";
import { kilnWorkerClasses } from "./worker-classes.js";

// biome-ignore lint/suspicious/noExplicitAny: any class or function may be registered.
type Shareable = ((...args: any[]) => unknown) | (abstract new (...args: any[]) => unknown);

/** A packed value: plain data that postMessage can clone. */
export type Packed =
  | null
  | undefined
  | boolean
  | number
  | string
  | bigint
  | { t: "tensor"; i: number }
  | { t: "array"; v: Packed[]; r?: number }
  | { t: "object"; v: Record<string, Packed>; r?: number }
  | { t: "instance"; id: string; v: Record<string, Packed>; r?: number }
  | { t: "function"; id: string }
  | { t: "bytes"; v: ArrayBufferView | ArrayBuffer; r?: number }
  | { t: "ref"; r: number };

/** A value packed for another thread, with the tensors in transit and the modules that rebuild its classes. */
export interface PackedValue {
  value: Packed;
  /** Ids of the tensors in transit, in the order `{t: "tensor", i}` indexes them. */
  tensors: number[];
  /** Module URLs the receiving thread imports first (they register the classes and functions used). */
  modules: string[];
}

const registered = new Map<string, Shareable>();
const idOf = new Map<Shareable, { id: string; module: string }>();

/**
 * Lets DataLoader worker threads rebuild instances of a class (or call a function) defined in your module, as
 * pickle lets PyTorch's worker processes: call `registerForWorkers(MyDataset, import.meta.url)` at the top level
 * of the module that defines it. A worker imports that module, which registers the class there too, and gives
 * each instance its own fields back (the constructor does not run again, as with pickle). State kept in
 * `#private` fields does not travel; keep a dataset's state in ordinary fields.
 */
export function registerForWorkers(value: Shareable, moduleUrl: string, name: string = value.name): void {
  if (typeof value !== "function") {
    throw new TypeError(`registerForWorkers: expected a class or function, got ${typeof value}`);
  }
  if (!name) {
    throw new TypeError(
      "registerForWorkers: an anonymous function needs a name: registerForWorkers(fn, url, name)",
    );
  }
  if (!/^(file|data|node):/.test(moduleUrl)) {
    throw new TypeError(
      `registerForWorkers(${name}): '${moduleUrl}' is not a module URL; pass import.meta.url of the defining module`,
    );
  }
  const id = `${moduleUrl}#${name}`;
  const existing = registered.get(id);
  if (existing !== undefined && existing !== value) {
    throw new Error(`registerForWorkers: another value is registered as '${name}' in ${moduleUrl}`);
  }
  registered.set(id, value);
  idOf.set(value, { id, module: moduleUrl });
}

function lookupShareable(value: Shareable): { id: string; module: string | null } | null {
  const own = idOf.get(value);
  if (own) return own;
  for (const [name, cls] of Object.entries(kilnWorkerClasses())) {
    if (cls === value) return { id: `kiln:${name}`, module: null };
  }
  return null;
}

function resolveShareable(id: string): Shareable {
  if (id.startsWith("kiln:")) {
    const cls = kilnWorkerClasses()[id.slice(5)];
    if (cls) return cls;
  }
  const value = registered.get(id);
  if (value === undefined) {
    throw new Error(
      `a DataLoader worker cannot find '${id}': its module did not call registerForWorkers for it when imported`,
    );
  }
  return value;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describeFunction(fn: Shareable): string {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn))
    ? `class ${fn.name || "<anonymous>"}`
    : `function ${fn.name || "<anonymous>"}`;
}

/**
 * Packs `value` for another thread. Tensors are put in transit (the receiver adopts them; dropPacked releases
 * them if it never will). `where` names the value in errors, e.g. "dataset".
 */
export function pack(value: unknown, where: string): PackedValue {
  const tensors: Tensor[] = [];
  const modules = new Set<string>();
  const seen = new Map<object, { node: { r?: number }; ref: number | null }>();
  let refs = 0;

  const walk = (v: unknown, path: string): Packed => {
    if (v === null || v === undefined) return v as null | undefined;
    switch (typeof v) {
      case "boolean":
      case "number":
      case "string":
      case "bigint":
        return v;
      case "symbol":
        throw new TypeError(`${path} is a symbol, which cannot be sent to a DataLoader worker thread`);
      case "function": {
        const found = lookupShareable(v as Shareable);
        if (found === null) throw notShareable(path, describeFunction(v as Shareable));
        if (found.module) modules.add(found.module);
        return { t: "function", id: found.id };
      }
    }
    const obj = v as object;
    if (obj instanceof Tensor) {
      if (obj.isDisposed) throw new TypeError(`${path} is a disposed tensor`);
      tensors.push(obj);
      return { t: "tensor", i: tensors.length - 1 };
    }
    const prior = seen.get(obj);
    if (prior) {
      prior.ref ??= refs++;
      prior.node.r = prior.ref;
      return { t: "ref", r: prior.ref };
    }
    let node: Exclude<Packed, null | undefined | boolean | number | string | bigint>;
    if (Array.isArray(obj)) {
      const items: Packed[] = [];
      node = { t: "array", v: items };
      seen.set(obj, { node, ref: null });
      obj.forEach((item, i) => {
        items.push(walk(item, `${path}[${i}]`));
      });
    } else if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
      node = { t: "bytes", v: obj };
      seen.set(obj, { node, ref: null });
    } else if (isPlainObject(obj)) {
      node = { t: "object", v: {} };
      seen.set(obj, { node, ref: null });
      for (const [k, item] of Object.entries(obj)) node.v[k] = walk(item, `${path}.${k}`);
    } else {
      const cls = obj.constructor as Shareable;
      const found = typeof cls === "function" ? lookupShareable(cls) : null;
      if (found === null) throw notShareable(path, `an instance of class ${cls?.name ?? "<unknown>"}`);
      if (found.module) modules.add(found.module);
      node = { t: "instance", id: found.id, v: {} };
      seen.set(obj, { node, ref: null });
      for (const [k, item] of Object.entries(obj)) node.v[k] = walk(item, `${path}.${k}`);
    }
    return node;
  };

  const packed = walk(value, where);
  return { value: packed, tensors: tensors.length > 0 ? shareTensors(tensors) : [], modules: [...modules] };
}

function notShareable(path: string, what: string): TypeError {
  return new TypeError(
    `${path} is ${what}, which a DataLoader worker thread cannot rebuild. Call ` +
      "torch.data.registerForWorkers(<class or function>, import.meta.url) at the top level of the module that " +
      "defines it (and export nothing else under that name), or use num_workers=0.",
  );
}

/** Rebuilds a packed value in this thread, adopting its tensors (the caller owns them). */
export function unpack(packed: PackedValue): unknown {
  const tensors = adoptTensors(packed.tensors);
  const refs = new Map<number, unknown>();
  const walk = (p: Packed): unknown => {
    if (p === null || typeof p !== "object") return p;
    switch (p.t) {
      case "tensor":
        return tensors[p.i];
      case "ref":
        return refs.get(p.r);
      case "bytes":
        return remember(p.r, p.v);
      case "function":
        return resolveShareable(p.id);
      case "array": {
        const out: unknown[] = remember(p.r, []);
        for (const item of p.v) out.push(walk(item));
        return out;
      }
      case "object": {
        const out: Record<string, unknown> = remember(p.r, {});
        for (const [k, item] of Object.entries(p.v)) out[k] = walk(item);
        return out;
      }
      case "instance": {
        const cls = resolveShareable(p.id) as { prototype: object };
        const out = remember(p.r, Object.create(cls.prototype) as Record<string, unknown>);
        for (const [k, item] of Object.entries(p.v)) {
          // Own fields as pickle's __dict__: readonly fields are ordinary writable properties at run time.
          Object.defineProperty(out, k, {
            value: walk(item),
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
        return out;
      }
    }
  };
  const remember = <T>(r: number | undefined, v: T): T => {
    if (r !== undefined) refs.set(r, v);
    return v;
  };
  return walk(packed.value);
}

/** Releases the tensors of a packed value that will never be unpacked. */
export function dropPacked(packed: PackedValue): void {
  dropSharedTensors(packed.tensors);
}
