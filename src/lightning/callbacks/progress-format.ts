/**
 * Text of one progress-bar line, in the two styles Lightning users know: tqdm's
 * (`Epoch 0:  45%|████▌     | 9/20 [00:01<00:01,  8.00it/s, v_num=0, train/loss=0.432]`) and rich's
 * (`Epoch 0/9 ━━━━━━━╺━━━━ 9/20 0:00:01 • 0:00:01 8.00it/s v_num: 0 train/loss: 0.432`). Pure functions of a
 * snapshot, so the bars only build strings when a redraw is due.
 */
import { pyFormatNumber } from "./pyformat.js";

/** What a bar shows at one moment. */
export interface BarSnapshot {
  description: string;
  n: number;
  /** Batches in this run of the bar; null when unknown (infinite loaders). */
  total: number | null;
  elapsedSeconds: number;
  /** Items shown after the counters (v_num and prog_bar metrics); ints are marked so they print without `.0`. */
  metrics: [string, number | string][];
  /** Terminal width; the bar fills what the text leaves. */
  columns: number;
}

/** tqdm's format_interval: `00:05`, `01:02:03`. */
export function formatInterval(seconds: number): string {
  const t = Math.trunc(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Python str(timedelta(seconds=int(x))): `0:00:05`. */
function clock(seconds: number): string {
  const t = Math.trunc(seconds);
  return `${Math.floor(t / 3600)}:${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
}

/** Lightning's Tqdm.format_num for a float (strings, such as v_num, pass through): tqdm's shorter of `{:.3g}`
 * and str(), padded with zeros to 5 characters so the line does not flicker. */
export function tqdmFormatNum(value: number | string): string {
  if (typeof value === "string") return value;
  const g = pyFormatNumber({ value, isInt: false }, ".3g").replaceAll("+0", "+").replaceAll("-0", "-");
  const plain = pyFormatNumber({ value, isInt: false }, "");
  let n = g.length < plain.length ? g : plain;
  if (!n.includes("e")) {
    if (!n.includes(".") && n.length < 5 && /^-?(\d|nan|inf)/.test(n)) n += ".";
    n += "0".repeat(Math.max(0, 5 - n.length));
  }
  return n;
}

const BLOCKS = " ▏▎▍▌▋▊▉█";

/** One tqdm-style line (TQDMProgressBar's BAR_FORMAT). */
export function renderTqdm(s: BarSnapshot): string {
  const rate = s.elapsedSeconds > 0 ? s.n / s.elapsedSeconds : 0;
  const rateStr = rate > 0 ? `${pyFormatNumber({ value: rate, isInt: false }, "5.2f")}it/s` : "?it/s";
  const remaining = s.total !== null && rate > 0 ? formatInterval((s.total - s.n) / rate) : "?";
  const postfix = s.metrics.map(([k, v]) => `${k}=${tqdmFormatNum(v)}`).join(", ");
  const totalStr = s.total === null ? "?" : String(s.total);
  const right = `| ${s.n}/${totalStr} [${formatInterval(s.elapsedSeconds)}<${remaining}, ${rateStr}${postfix ? `, ${postfix}` : ""}]`;
  if (s.total === null || s.total === 0)
    return `${s.description}: ${s.n}it [${formatInterval(s.elapsedSeconds)}, ${rateStr}${postfix ? `, ${postfix}` : ""}]`;
  const frac = Math.min(1, s.n / s.total);
  const left = `${s.description}: ${pyFormatNumber({ value: frac * 100, isInt: false }, "3.0f")}%|`;
  const width = Math.max(1, s.columns - left.length - right.length);
  const eighths = Math.floor(frac * width * 8);
  const full = Math.floor(eighths / 8);
  let bar = "█".repeat(full);
  if (full < width) bar += (eighths % 8 > 0 ? BLOCKS[eighths % 8] : " ") + " ".repeat(width - full - 1);
  return left + bar + right;
}

/** One rich-style line (RichProgressBar's columns, `.3f` metrics). */
export function renderRich(s: BarSnapshot): string {
  const rate = s.elapsedSeconds > 0 ? s.n / s.elapsedSeconds : 0;
  const remaining = s.total !== null && rate > 0 ? clock((s.total - s.n) / rate) : "-:--:--";
  const metrics = s.metrics
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : pyFormatNumber({ value: v, isInt: false }, ".3f")}`)
    .join(" ");
  const counts = `${s.n}/${s.total === null ? "--" : s.total}`;
  const tail = ` ${counts} ${clock(s.elapsedSeconds)} • ${remaining} ${rate.toFixed(2)}it/s${metrics ? ` ${metrics}` : ""}`;
  const width = Math.max(10, Math.min(40, s.columns - s.description.length - tail.length - 1));
  const frac = s.total ? Math.min(1, s.n / s.total) : 0;
  const done = Math.round(frac * width);
  return `${s.description} ${"━".repeat(done)}${"╺".repeat(done < width ? 1 : 0)}${"━".repeat(Math.max(0, width - done - 1)).replace(/━/g, "─")}${tail}`;
}

/** A plain line for logs that are not terminals (CI): no bar, one line per report. */
export function renderPlain(s: BarSnapshot): string {
  const totalStr = s.total === null ? "?" : String(s.total);
  const pct = s.total ? ` (${Math.floor((100 * s.n) / s.total)}%)` : "";
  const rate = s.elapsedSeconds > 0 ? s.n / s.elapsedSeconds : 0;
  const remaining = s.total !== null && rate > 0 ? formatInterval((s.total - s.n) / rate) : "?";
  const metrics = s.metrics.map(([k, v]) => `${k}=${tqdmFormatNum(v)}`).join(", ");
  return (
    `${s.description.trimEnd()}: ${s.n}/${totalStr}${pct} [${formatInterval(s.elapsedSeconds)}<${remaining}, ` +
    `${rate.toFixed(2)}it/s${metrics ? `, ${metrics}` : ""}]`
  );
}
