/** Thrown by a run that Ctrl-C stopped (Python's KeyboardInterrupt), after the trainer shut down cleanly. */
export class InterruptSignal extends Error {
  override name = "KeyboardInterrupt";
}
