/**
 * Small SVG building blocks for the sweep report: escaping, linear and log scales with readable ticks, and a
 * colour scale. Charts are plain strings of inline SVG (no script, no network).
 */

/** Escapes text for XML content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A number for SVG coordinates (short, finite). */
export function n(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 100) / 100) : "0";
}

/** A number for labels. */
export function label(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/** Maps data values onto a pixel range, linearly or on a log scale. */
export interface Scale {
  (v: number): number;
  ticks: number[];
}

/** A linear (or, with `log`, logarithmic) scale from [lo, hi] onto [p0, p1]. */
export function scale(lo: number, hi: number, p0: number, p1: number, log = false): Scale {
  const f = (v: number) => (log ? Math.log10(v) : v);
  let a = f(lo);
  let b = f(hi);
  if (!Number.isFinite(a) || !Number.isFinite(b)) [a, b] = [0, 1];
  if (a === b) [a, b] = [a - 0.5, b + 0.5];
  const s = ((v: number) => p0 + ((f(v) - a) / (b - a)) * (p1 - p0)) as Scale;
  s.ticks = log ? logTicks(lo, hi) : linearTicks(a, b);
  return s;
}

function linearTicks(a: number, b: number, count = 5): number[] {
  const raw = (b - a) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw <= s) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(a / step) * step; t <= b + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const t = 10 ** e;
    if (t >= lo * 0.999 && t <= hi * 1.001) out.push(t);
  }
  return out.length >= 2 ? out : [lo, hi];
}

/** A colour from blue (0) to red (1) through purple, for objective values. */
export function color(t: number): string {
  const c = Math.min(Math.max(Number.isFinite(t) ? t : 0.5, 0), 1);
  const r = Math.round(40 + 200 * c);
  const b = Math.round(220 - 180 * c);
  return `rgb(${r},70,${b})`;
}

/** An `<svg>` element with a title and the given body. */
export function svg(width: number, height: number, title: string, kind: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(kind)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><title>${esc(title)}</title><rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>${body}</svg>`;
}
