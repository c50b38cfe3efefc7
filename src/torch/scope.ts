// The memory model's scopes (DESIGN.md §5): torch.tidy(fn) disposes every tensor created inside fn except the
// returned ones and those passed to keep(). Node 20 never runs finalizers inside a synchronous loop, so scopes
// and explicit dispose() are the primary mechanism; the finalizer is only a safety net.

/** Brand that marks scope-managed objects (tensors), so results can be searched for them without importing Tensor. */
export const scopedBrand: unique symbol = Symbol("kiln.scoped");

/** What a scope manages: a tensor, seen through the two things the scope needs. */
export interface Scoped {
  readonly [scopedBrand]: true;
  /** Set by keep(): no scope disposes it. */
  kept: boolean;
  readonly isDisposed: boolean;
  dispose(): void;
}

const stack: Scoped[][] = [];

/** Records a new tensor in the innermost open scope (called by the Tensor constructor). */
export function track(t: Scoped): void {
  const n = stack.length;
  if (n > 0) stack[n - 1]!.push(t);
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
  disposeAll(scope, returned);
  const parent = stack[stack.length - 1];
  if (parent) for (const t of returned) if (!t.kept) parent.push(t);
  return result;
}

/** Exempts `t` from disposal by every enclosing tidy scope (it must then be disposed explicitly). */
export function keep<T extends Scoped>(t: T): T {
  t.kept = true;
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
