import { SystemExit } from "../../common/system-exit.js";

/**
 * Thrown by a run that Ctrl-C stopped (Python's KeyboardInterrupt), after the trainer shut down cleanly.
 * Lightning then ends the process with sys.exit(1), hence a SystemExit with code 1.
 */
export class InterruptSignal extends SystemExit {
  override name = "KeyboardInterrupt";
  constructor(message: string, code = 1) {
    super(code, message);
  }
}

/**
 * Thrown by a run that SIGTERM stopped (Lightning's SIGTERMException), after the same clean shutdown as Ctrl-C
 * (on_exception, teardown, loggers closed as interrupted). Lightning's is a SystemExit without a code: the
 * process exits 0.
 */
export class TerminateSignal extends InterruptSignal {
  override name = "SIGTERMException";
  constructor(message: string) {
    super(message, 0);
  }
}
