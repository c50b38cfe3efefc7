// Ctrl-C and SIGTERM during a run (Lightning's KeyboardInterrupt handling and _SignalConnector): the first
// signal asks the loop to stop after the current step; the trainer then runs its shutdown (on_exception hooks,
// teardown, loggers finalized as "interrupted"). A second Ctrl-C exits at once; a repeated SIGTERM changes
// nothing (as in Lightning, where the handler only sets received_sigterm).
import { InterruptSignal, TerminateSignal } from "./interrupt.js";

/** Installs SIGINT and SIGTERM listeners for the duration of a run and remembers which signal came first. */
export class InterruptHandler {
  /** The first signal received during this run, or null. */
  received: "SIGINT" | "SIGTERM" | null = null;
  private listeners: [NodeJS.Signals, () => void][] = [];

  /** Whether a signal asked the run to stop. */
  get requested(): boolean {
    return this.received !== null;
  }

  /** Starts listening (idempotent). */
  install(): void {
    if (this.listeners.length > 0) return;
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
    this.listeners = [
      ["SIGINT", onInt],
      ["SIGTERM", onTerm],
    ];
    for (const [signal, listener] of this.listeners) process.on(signal, listener);
  }

  /** Stops listening; the process's default behaviour for both signals returns. */
  uninstall(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener);
    this.listeners = [];
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
}
