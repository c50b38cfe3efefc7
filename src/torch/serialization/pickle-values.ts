/** Values the pickle reader produces and the hooks it calls: the contract between it and torch-globals.ts. */

/** A Python dict while unpickling (insertion-ordered, any key), plus attributes set by BUILD. */
export class PyDict {
  readonly items = new Map<unknown, unknown>();
  attributes: unknown;
  constructor(readonly ordered = false) {}
}

/** An allowlisted callable (a rebuild function or an allowed class) that REDUCE/NEWOBJ may call. */
export class PyCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** What the reader needs from its user. */
export interface UnpicklerHooks {
  /** The object a GLOBAL names; throws for anything not allowed. */
  findGlobal(module: string, name: string): unknown;
  /** The object a persistent id (BINPERSID) stands for. */
  persistentLoad(pid: unknown): unknown;
  /** Applies BUILD state to an object the resolver made; throws if not allowed. */
  build?(target: unknown, state: unknown): void;
}

/** The pickle stream is damaged or uses something unsupported; the message says what and where. */
export class PickleError extends Error {
  override name = "PickleError";
}

/** The pickle is well formed but holds something Kiln refuses or cannot represent (not a corrupt file). */
export class UnsupportedPickleContent extends PickleError {
  override name = "UnsupportedPickleContent";
}
