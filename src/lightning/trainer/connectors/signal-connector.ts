// Lightning's _SignalConnector, for Ctrl-C: the first SIGINT asks the loop to stop between two steps (the trainer
// then runs its shutdown: on_exception hooks, teardown, loggers finalized as "interrupted"); a second one exits
// at once. Node delivers signals (and runs finalizers) only from the event loop, so the loops yield to it here.
import { InterruptSignal } from "../interrupt.js";

/** How often the loops let the event loop run (signals, finalizers) between batches. */
const YIELD_INTERVAL_MS = 20;

/** Listens for SIGINT during a run and lets the loops see it between steps. */
export class SignalConnector {
  requested = false;
  #listener: (() => void) | null = null;
  #lastYield = 0;

  /** Starts listening (idempotent). */
  install(): void {
    if (this.#listener !== null) return;
    this.requested = false;
    this.#listener = () => {
      if (this.requested) {
        process.stderr.write("\nSecond interrupt: exiting now.\n");
        process.exit(130);
      }
      this.requested = true;
      process.stderr.write("\nDetected KeyboardInterrupt, attempting graceful shutdown ...\n");
    };
    process.on("SIGINT", this.#listener);
  }

  /** Stops listening; the process's default Ctrl-C behaviour returns. */
  uninstall(): void {
    if (this.#listener !== null) process.off("SIGINT", this.#listener);
    this.#listener = null;
  }

  /** Throws InterruptSignal when Ctrl-C was pressed. */
  throwIfRequested(): void {
    if (this.requested) throw new InterruptSignal("Interrupted by Ctrl-C (SIGINT)");
  }

  /**
   * Lets signals and finalizers run between steps. A turn of the event loop costs 5-30 us, so it is taken once
   * YIELD_INTERVAL_MS have passed since the last one, not after every step: a Ctrl-C is then seen at most that
   * long after it arrives, still between two steps. `force` yields now (before a validation or the epoch-end
   * hooks, which may save checkpoints).
   */
  yieldToEventLoop(force = false): Promise<void> | undefined {
    const now = performance.now();
    if (!force && now - this.#lastYield < YIELD_INTERVAL_MS) return undefined;
    this.#lastYield = now;
    return new Promise((r) => setImmediate(r));
  }
}
