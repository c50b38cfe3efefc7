// Lightning's _SignalConnector and its KeyboardInterrupt handling, for Ctrl-C and SIGTERM: the first signal asks
// the loop to stop between two steps; the trainer then runs its shutdown (on_exception hooks, teardown, loggers
// finalized as "interrupted"). A second Ctrl-C exits at once; a repeated SIGTERM changes nothing (as in
// Lightning, where the handler only sets received_sigterm). Node delivers signals (and runs finalizers) only
// from the event loop, so the loops yield to it here.
import { InterruptSignal, TerminateSignal } from "../interrupt.js";

/** How often the loops let the event loop run (signals, finalizers) between batches. */
const YIELD_INTERVAL_MS = 20;

/** Listens for SIGINT and SIGTERM during a run and lets the loops see them between steps. */
export class SignalConnector {
  /** The first signal received during this run, or null. */
  received: "SIGINT" | "SIGTERM" | null = null;
  #listeners: [NodeJS.Signals, () => void][] = [];
  #lastYield = 0;

  /** Whether a signal asked the run to stop. */
  get requested(): boolean {
    return this.received !== null;
  }

  /** Starts listening (idempotent). */
  install(): void {
    if (this.#listeners.length > 0) return;
    this.received = null;
    const onInt = () => {
      if (this.received !== null) {
        process.stderr.write("\nSecond interrupt: exiting now.\n");
        process.exit(130);
      }
      this.received = "SIGINT";
      process.stderr.write("\nDetected KeyboardInterrupt, attempting graceful shutdown ...\n");
    };
    const onTerm = () => {
      if (this.received !== null) return;
      this.received = "SIGTERM";
      process.stderr.write("\nReceived SIGTERM: 15, attempting graceful shutdown ...\n");
    };
    this.#listeners = [
      ["SIGINT", onInt],
      ["SIGTERM", onTerm],
    ];
    for (const [signal, listener] of this.#listeners) process.on(signal, listener);
  }

  /** Stops listening; the process's default behaviour for both signals returns. */
  uninstall(): void {
    for (const [signal, listener] of this.#listeners) process.off(signal, listener);
    this.#listeners = [];
  }

  /** Throws InterruptSignal (Ctrl-C) or TerminateSignal (SIGTERM) when one was received. */
  throwIfRequested(): void {
    if (this.received === "SIGTERM") {
      throw new TerminateSignal(
        "Stopped by SIGTERM after the current step; the run was shut down cleanly (checkpoints kept, loggers closed).",
      );
    }
    if (this.received === "SIGINT") throw new InterruptSignal("Interrupted by Ctrl-C (SIGINT)");
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
