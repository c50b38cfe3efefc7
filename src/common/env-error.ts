/**
 * A bad environment variable (KILN_NUM_THREADS=abc). It is not a config value, so instantiate passes it through
 * unwrapped: the message names the variable, never the config line that happened to be instantiated when the
 * variable was first read.
 */
export class EnvironmentVariableError extends Error {
  override name = "EnvironmentVariableError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}
