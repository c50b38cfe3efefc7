/**
 * Optuna's logging: `[I 2026-12-07 21:46:20,578] Trial 0 finished with value: ...` on stderr at INFO by default.
 * `setLogHandler` routes the lines elsewhere (the Hydra sweeper sends them to its own logger); `warn` is
 * Optuna's `optuna_warn` (Python's warnings: each distinct message once).
 */

/** Python's logging levels. */
export const DEBUG = 10;
export const INFO = 20;
export const WARNING = 30;
export const ERROR = 40;

/** Receives each log record that passes the verbosity. */
export type LogHandler = (level: number, message: string) => void;

let verbosity = INFO;
let handler: LogHandler = defaultHandler;
const warned = new Set<string>();

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

function defaultHandler(level: number, message: string): void {
  const d = new Date();
  const time = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
  const letter = level >= ERROR ? "E" : level >= WARNING ? "W" : level >= INFO ? "I" : "D";
  process.stderr.write(`[${letter} ${time}] ${message}\n`);
}

/** Sets the lowest level that is logged (`optuna.logging.set_verbosity`). */
export function setVerbosity(level: number): void {
  verbosity = level;
}

/** The lowest level that is logged. */
export function getVerbosity(): number {
  return verbosity;
}

/** Routes Optuna's log records (null restores the stderr handler); returns the previous handler. */
export function setLogHandler(next: LogHandler | null): LogHandler {
  const prev = handler;
  handler = next ?? defaultHandler;
  return prev;
}

/** Logs a message at `level` when the verbosity allows it. */
export function log(level: number, message: string): void {
  if (level >= verbosity) handler(level, message);
}

/** A warning, shown once per distinct message. */
export function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  log(WARNING, message);
}
