/**
 * How the callbacks talk to the user, as Lightning does: `rank_zero_info` lines (stderr, like Lightning's
 * logging handler) and `rank_zero_warn` warnings (Node process warnings, so `extras.ignore_warnings` silences
 * them).
 */
type Sink = (line: string) => void;

let infoSink: Sink = (line) => process.stderr.write(`${line}\n`);
const warnedOnce = new Set<string>();

/** Redirects info lines (a progress bar prints them above itself; tests capture them). Returns the old sink. */
export function setInfoSink(sink: Sink): Sink {
  const old = infoSink;
  infoSink = sink;
  return old;
}

/** Lightning's rank_zero_info: one informational line. */
export function emitInfo(message: string): void {
  infoSink(message);
}

/** Lightning's rank_zero_warn (a UserWarning); `once` is its WarningCache: each message only the first time. */
export function emitWarning(message: string, once = false): void {
  if (once) {
    if (warnedOnce.has(message)) return;
    warnedOnce.add(message);
  }
  process.emitWarning(message, "UserWarning");
}
