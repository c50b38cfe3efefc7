// Ctrl-C during a run: the first SIGINT asks the loop to stop after the current step (the trainer then runs
// its shutdown: on_exception hooks, teardown, loggers finalized as "interrupted"); a second one exits at once.
import { InterruptSignal } from "../interrupt.js";

/** Installs a SIGINT listener for the duration of a run and remembers whether Ctrl-C was pressed. */
export class InterruptHandler {
  requested = false;
  private listener: (() => void) | null = null;

  /** Starts listening (idempotent). */
  install(): void {
    if (this.listener !== null) return;
    this.requested = false;
    this.listener = () => {
      if (this.requested) {
        process.stderr.write("\nSecond interrupt: exiting now.\n");
        process.exit(130);
      }
      this.requested = true;
      process.stderr.write("\nDetected KeyboardInterrupt, attempting graceful shutdown ...\n");
    };
    process.on("SIGINT", this.listener);
  }

  /** Stops listening; the process's default Ctrl-C behaviour returns. */
  uninstall(): void {
    if (this.listener !== null) process.off("SIGINT", this.listener);
    this.listener = null;
  }

  /** Throws InterruptSignal when Ctrl-C was pressed. */
  throwIfRequested(): void {
    if (this.requested) throw new InterruptSignal("Interrupted by Ctrl-C (SIGINT)");
  }
}
