/**
 * Python's SystemExit: a run that stops on purpose, with the exit code the process should end with. Runners
 * treat it as a stop, not a failure: a sweep launches no further jobs, and the app exits with `code` (a code of
 * 0 is reported as a plain message, not as an error).
 */
export class SystemExit extends Error {
  override name = "SystemExit";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
