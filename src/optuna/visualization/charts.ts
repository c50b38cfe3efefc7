/**
 * The report's charts, as Optuna's plot_optimization_history, plot_parallel_coordinate and
 * plot_param_importances draw them, rendered as inline SVG. Every data mark carries data-* attributes
 * (trial number, value, parameter) so that tests and scripts can read the chart back.
 */
import {
  CategoricalDistribution,
  type Distribution,
  FloatDistribution,
  IntDistribution,
} from "../distributions.js";
import { type FrozenTrial, TrialState } from "../frozen-trial.js";
import { StudyDirection } from "../storages/storage.js";
import { color, esc, label, n, scale, svg } from "./svg.js";

/** COMPLETE trials with a finite value (what Optuna's plots show; PRUNED trials' values are partial). */
function completed(trials: FrozenTrial[], objective: number): FrozenTrial[] {
  return trials.filter(
    (t) => t.state === TrialState.COMPLETE && t.values !== null && Number.isFinite(t.values[objective]),
  );
}

const W = 760;
const H = 360;
const M = { left: 70, right: 20, top: 30, bottom: 45 };

/** Objective values per trial number and the best value so far (one chart per objective). */
export function historyChart(
  trials: FrozenTrial[],
  direction: StudyDirection,
  objective = 0,
  name = "Objective Value",
): string {
  const done = completed(trials, objective);
  const values = done.map((t) => t.values![objective]);
  const lastNumber = Math.max(1, ...trials.map((t) => t.number));
  const x = scale(0, lastNumber, M.left, W - M.right);
  const y = scale(
    values.length ? Math.min(...values) : 0,
    values.length ? Math.max(...values) : 1,
    H - M.bottom,
    M.top,
  );
  const better = (a: number, b: number) => (direction === StudyDirection.MAXIMIZE ? a > b : a < b);
  let best = Number.NaN;
  const bestPoints: string[] = [];
  for (const t of done) {
    const v = t.values![objective];
    if (Number.isNaN(best) || better(v, best)) best = v;
    bestPoints.push(`${n(x(t.number))},${n(y(best))}`);
  }
  const axes = axisLines(
    x.ticks.map((t) => [x(t), label(t)]),
    y.ticks.map((t) => [y(t), label(t)]),
    "Trial",
    name,
  );
  const points = done
    .map(
      (t) =>
        `<circle class="trial" data-number="${t.number}" data-value="${t.values![objective]}" cx="${n(x(t.number))}" cy="${n(y(t.values![objective]))}" r="4" fill="#1f77b4"><title>Trial ${t.number}: ${esc(label(t.values![objective]))}</title></circle>`,
    )
    .join("");
  const line = `<polyline class="best" fill="none" stroke="#d62728" stroke-width="2" points="${bestPoints.join(" ")}"/>`;
  const legend = `<text x="${W - M.right - 110}" y="18" font-size="12" text-anchor="end" fill="#1f77b4">● ${esc(name)}</text><text x="${W - M.right - 95}" y="18" font-size="12" fill="#d62728">— Best Value</text>`;
  return svg(W, H, `Optimization History: ${name}`, "history", axes + line + points + legend);
}

function axisLines(
  xTicks: [number, string][],
  yTicks: [number, string][],
  xName: string,
  yName: string,
): string {
  const xs = xTicks
    .map(
      ([p, l]) =>
        `<line x1="${n(p)}" y1="${H - M.bottom}" x2="${n(p)}" y2="${H - M.bottom + 5}" stroke="#333"/><text x="${n(p)}" y="${H - M.bottom + 18}" font-size="11" text-anchor="middle">${esc(l)}</text>`,
    )
    .join("");
  const ys = yTicks
    .map(
      ([p, l]) =>
        `<line x1="${M.left}" y1="${n(p)}" x2="${W - M.right}" y2="${n(p)}" stroke="#eee"/><text x="${M.left - 6}" y="${n(p + 4)}" font-size="11" text-anchor="end">${esc(l)}</text>`,
    )
    .join("");
  return `<g class="axes">${ys}<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/><line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>${xs}<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" font-size="12" text-anchor="middle">${esc(xName)}</text><text x="14" y="${(M.top + H - M.bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${esc(yName)}</text></g>`;
}

interface Axis {
  name: string;
  pos: (t: FrozenTrial) => number | null;
  ticks: [number, string][];
}

function paramAxis(name: string, d: Distribution, trials: FrozenTrial[]): Axis {
  const y0 = H - M.bottom;
  const y1 = M.top;
  if (d instanceof CategoricalDistribution) {
    const k = d.choices.length;
    const at = (i: number) => (k === 1 ? (y0 + y1) / 2 : y0 + (i / (k - 1)) * (y1 - y0));
    return {
      name,
      pos: (t) => (name in t.params ? at(d.toInternal(t.params[name])) : null),
      ticks: d.choices.map((c, i) => [at(i), String(c)]),
    };
  }
  const vals = trials.filter((t) => name in t.params).map((t) => t.params[name] as number);
  const log = (d instanceof FloatDistribution || d instanceof IntDistribution) && d.log;
  const s = scale(Math.min(...vals, d.low), Math.max(...vals, d.high), y0, y1, log);
  return {
    name,
    pos: (t) => (name in t.params ? s(t.params[name] as number) : null),
    ticks: s.ticks.map((v) => [s(v), label(v)]),
  };
}

/** One line per COMPLETE trial through the objective axis and an axis per parameter (sorted by name). */
export function parallelCoordinateChart(
  trials: FrozenTrial[],
  direction: StudyDirection,
  objective = 0,
  name = "Objective Value",
): string {
  const done = completed(trials, objective);
  const dists = new Map<string, Distribution>();
  for (const t of done)
    for (const [k, d] of Object.entries(t.distributions)) if (!dists.has(k)) dists.set(k, d);
  const names = [...dists.keys()].sort();
  const values = done.map((t) => t.values![objective]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const ys = scale(lo, hi, H - M.bottom, M.top);
  const axes: Axis[] = [
    { name, pos: (t) => ys(t.values![objective]), ticks: ys.ticks.map((v) => [ys(v), label(v)]) },
    ...names.map((k) => paramAxis(k, dists.get(k)!, done)),
  ];
  // 90 px on the right leave room for the last axis's name
  const xAt = (i: number) => M.left + (axes.length === 1 ? 0 : (i / (axes.length - 1)) * (W - M.left - 90));
  // better trials are drawn last (on top) and darker, as Optuna's colour scale shows them
  const rank = (v: number) =>
    hi === lo ? 1 : direction === StudyDirection.MAXIMIZE ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
  const order = [...done].sort((a, b) => rank(a.values![objective]) - rank(b.values![objective]));
  const lines = order
    .map((t) => {
      const pts = axes.flatMap((a, i) => {
        const p = a.pos(t);
        return p === null ? [] : [`${n(xAt(i))},${n(p)}`];
      });
      return `<polyline class="trial-line" data-number="${t.number}" data-value="${t.values![objective]}" fill="none" stroke="${color(rank(t.values![objective]))}" stroke-opacity="0.75" stroke-width="1.5" points="${pts.join(" ")}"><title>Trial ${t.number}</title></polyline>`;
    })
    .join("");
  const axisMarks = axes
    .map((a, i) => {
      const ticks = a.ticks
        .map(
          ([p, l]) =>
            `<text x="${n(xAt(i) - 5)}" y="${n(p + 4)}" font-size="10" text-anchor="end">${esc(l)}</text>`,
        )
        .join("");
      return `<g class="axis" data-param="${esc(a.name)}"><line x1="${n(xAt(i))}" y1="${M.top}" x2="${n(xAt(i))}" y2="${H - M.bottom}" stroke="#333"/>${ticks}<text x="${n(xAt(i))}" y="${H - M.bottom + 20}" font-size="11" text-anchor="middle">${esc(a.name)}</text></g>`;
    })
    .join("");
  return svg(W, H, "Parallel Coordinate Plot", "parallel-coordinate", lines + axisMarks);
}

/** Horizontal bars of normalised parameter importances, most important on top. */
export function importanceChart(importances: Record<string, number>, evaluator: string): string {
  const entries = Object.entries(importances);
  const rowH = 28;
  const height = Math.max(120, M.top + M.bottom + rowH * entries.length);
  const left = 200;
  const x = scale(0, Math.max(...entries.map(([, v]) => v), 1e-12), left, W - 80);
  const bars = entries
    .map(([k, v], i) => {
      const yy = M.top + i * rowH;
      return `<rect class="importance" data-param="${esc(k)}" data-importance="${v}" x="${left}" y="${yy}" width="${n(Math.max(0, x(v) - left))}" height="${rowH - 8}" fill="#2ca02c"><title>${esc(k)}: ${esc(label(v))}</title></rect><text x="${left - 8}" y="${yy + rowH / 2}" font-size="12" text-anchor="end">${esc(k)}</text><text x="${n(x(v) + 6)}" y="${yy + rowH / 2}" font-size="11">${esc(v.toFixed(2))}</text>`;
    })
    .join("");
  const caption = `<text x="${left}" y="${height - 12}" font-size="11" fill="#555">Importance for Objective Value (${esc(evaluator)})</text>`;
  return svg(W, height, "Hyperparameter Importances", "importances", bars + caption);
}
