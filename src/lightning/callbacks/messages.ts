/**
 * How the callbacks talk to the user, as Lightning does: `rank_zero_info` lines (stderr, like Lightning's
 * logging handler) and `rank_zero_warn` warnings (Node process warnings, so `extras.ignore_warnings` silences
 * them), plus Python reprs for the values those messages quote.
 */
import { pyStr } from "../../common/pyvalue.js";

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

/** Python's repr of a string, None, a number, a boolean, or a list of those. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
    return quote === "'" ? `'${escaped.replace(/'/g, "\\'")}'` : `"${escaped}"`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  return pyStr(value);
}
