// The memory model's scopes (docs/ARCHITECTURE.md, "Memory model"): torch.tidy(fn) disposes every tensor created inside fn except the
// returned ones and those passed to keep(). Node 20 never runs finalizers inside a synchronous loop, so scopes
// and explicit dispose() are the primary mechanism; the GC is only a safety net, and only for the tensors that
// outlive every scope: native handles carry no finalizer (one cost ~2.5 us per op), so tensors created outside
// any scope, returned from the outermost one or kept are armed here with a JS FinalizationRegistry. Arming
// (~0.5 us) waits for the next turn of the event loop, the first moment a finalizer could run anyway, so a
// tensor disposed before then never pays for it.

/** Brand that marks scope-managed objects (tensors), so results can be searched for them without importing Tensor. */
export const scopedBrand: unique symbol = Symbol("kiln.scoped");

/** What a scope manages: a tensor, seen through the two things the scope needs. */
export interface Scoped {
  readonly [scopedBrand]: true;
  /** Set by keep(): no scope disposes it. */
  kept: boolean;
  readonly isDisposed: boolean;
  dispose(): void;
  /** Arms the GC safety net: the object frees its native memory if it is collected undisposed. */
  armFinalizer(): void;
}

const stack: Scoped[][] = [];

/** Records a new tensor in the innermost open scope, or, outside every scope, for the GC safety net. */
export function track(t: Scoped): void {
  const n = stack.length;
  if (n > 0) stack[n - 1]!.push(t);
  else unscoped(t);
}

// Tensors waiting to be armed at the next turn of the event loop: toArm[0, pending). A synchronous loop that
// disposes what it creates outside any scope would grow this list: it is swept of disposed tensors whenever it
// doubles. The array itself never shrinks (regrowing it cost more than the sweep).
const toArm: (Scoped | undefined)[] = [];
let pending = 0;
let sweepAt = 1024;
let armScheduled = false;

function unscoped(t: Scoped): void {
  toArm[pending++] = t;
  if (pending >= sweepAt) sweepDisposed();
  if (!armScheduled) {
    armScheduled = true;
    // unref: a pending arming never keeps the process alive (at exit nothing needs the safety net).
    setImmediate(armPending).unref();
  }
}

function sweepDisposed(): void {
  let kept = 0;
  for (let k = 0; k < pending; k++) {
    const t = toArm[k]!;
    if (!t.isDisposed) toArm[kept++] = t;
  }
  toArm.fill(undefined, kept, pending);
  pending = kept;
  // Amortised O(1) per tensor even when most stay live: sweep again only once the live part has doubled.
  sweepAt = Math.max(1024, 2 * kept);
}

function armPending(): void {
  armScheduled = false;
  for (let k = 0; k < pending; k++) {
    const t = toArm[k]!;
    if (!t.isDisposed) t.armFinalizer();
  }
  toArm.fill(undefined, 0, pending);
  pending = 0;
  sweepAt = 1024;
}

/** Number of open tidy scopes (for tests). */
export function scopeDepth(): number {
  return stack.length;
}

/**
 * Runs `fn` and disposes every tensor it created, except those in its return value (searched through arrays,
 * plain objects and Maps), which move to the enclosing scope, and those passed to keep(). Nestable. When `fn`
 * throws, everything it created is disposed and the error propagates. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scoped[] = [];
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    disposeAll(scope, null);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    disposeAll(scope, null);
    throw new TypeError(
      "torch.tidy(fn): fn returned a Promise; tidy scopes are synchronous (await outside them)",
    );
  }
  const returned = new Set<Scoped>();
  collect(result, returned, 0);
  disposeAll(scope, returned.size > 0 ? returned : null);
  const parent = stack[stack.length - 1];
  for (const t of returned) {
    if (t.kept) continue;
    if (parent) parent.push(t);
    else unscoped(t); // it now outlives every scope
  }
  return result;
}

/** Exempts `t` from disposal by every enclosing tidy scope (it must then be disposed explicitly). */
export function keep<T extends Scoped>(t: T): T {
  if (!t.kept) {
    t.kept = true;
    // A tensor made outside every scope is armed already; one made inside is armed now that no scope frees it.
    if (stack.length > 0) unscoped(t);
  }
  return t;
}

function disposeAll(scope: Scoped[], spare: Set<Scoped> | null): void {
  for (const t of scope) {
    if (t.kept || t.isDisposed || spare?.has(t)) continue;
    t.dispose();
  }
}

function collect(value: unknown, out: Set<Scoped>, depth: number): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  if (scopedBrand in value) {
    out.add(value as Scoped);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}
