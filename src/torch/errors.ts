/** Error thrown by every torch operation that fails (the native guard builds it); `op` names the operation. */
export class TorchError extends Error {
  /** The operation that failed, e.g. "add" (set by the native guard). */
  declare readonly op: string | undefined;

  constructor(message: string, op?: string) {
    super(message);
    this.name = "TorchError";
    if (op !== undefined) Object.defineProperty(this, "op", { value: op, enumerable: true });
  }
}
