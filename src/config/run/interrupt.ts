/**
 * Ctrl-C during a sweep. The first SIGINT marks the sweep as interrupted: launchers start no further job and
 * stop their running ones (a job in this process stops through the trainer's own Ctrl-C handling; child
 * processes get a SIGINT), and the sweeper records the interrupted trials as failed before the sweep ends with
 * KeyboardInterrupt. A second SIGINT ends the process at once.
 */

/** Thrown when a sweep was stopped by Ctrl-C (Python's KeyboardInterrupt). */
export class SweepInterrupted extends Error {
  override name = "KeyboardInterrupt";
}

type Listener = () => void;

/** The sweep's interruption state while a sweep runs. */
export class SweepInterrupt {
  requested = false;
  private readonly listeners = new Set<Listener>();
  private handler: (() => void) | null = null;

  /** Starts listening for SIGINT (idempotent). */
  install(): void {
    if (this.handler !== null) return;
    this.handler = () => {
      if (this.requested) {
        process.stderr.write("\nSecond interrupt: exiting now.\n");
        process.exit(130);
      }
      this.requested = true;
      for (const l of this.listeners) l();
    };
    process.on("SIGINT", this.handler);
  }

  /** Stops listening. */
  uninstall(): void {
    if (this.handler !== null) process.off("SIGINT", this.handler);
    this.handler = null;
  }

  /** Calls `fn` on the first Ctrl-C (at once when it already happened); returns a function that unsubscribes. */
  onInterrupt(fn: Listener): () => void {
    if (this.requested) fn();
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Throws SweepInterrupted after a Ctrl-C. */
  throwIfRequested(): void {
    if (this.requested) throw new SweepInterrupted("Interrupted by Ctrl-C (SIGINT)");
  }
}

/** The interruption state of the sweep now running (one per process). */
export const sweepInterrupt = new SweepInterrupt();
