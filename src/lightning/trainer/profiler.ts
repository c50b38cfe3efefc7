// Lightning's SimpleProfiler: wall time per action (each hook call, each training batch), reported as a
// table when a stage ends.
import { performance } from "node:perf_hooks";

/** Per-action durations (seconds) and the stage they were recorded in. */
export class SimpleProfiler {
  private readonly durations = new Map<string, number[]>();
  private readonly started = performance.now();

  /** Times `fn` (synchronous) under `action`. */
  profile<T>(action: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.record(action, (performance.now() - t0) / 1000);
    }
  }

  /** Adds one duration in seconds for `action`. */
  record(action: string, seconds: number): void {
    let list = this.durations.get(action);
    if (list === undefined) {
      list = [];
      this.durations.set(action, list);
    }
    list.push(seconds);
  }

  /** The recorded actions with their call counts and total seconds. */
  summary(): { action: string; calls: number; total: number; mean: number }[] {
    return [...this.durations.entries()]
      .map(([action, list]) => {
        const total = list.reduce((a, b) => a + b, 0);
        return { action, calls: list.length, total, mean: total / list.length };
      })
      .sort((a, b) => b.total - a.total);
  }

  /** The report Lightning prints: Action | Mean duration (s) | Num calls | Total time (s) | Percentage %. */
  report(stage: string): string {
    const wall = (performance.now() - this.started) / 1000;
    const rows: string[][] = [["Total", "-", "-", wall.toFixed(5), "100 %"]];
    for (const r of this.summary()) {
      rows.push([
        r.action,
        r.mean.toFixed(5),
        String(r.calls),
        r.total.toFixed(5),
        `${((100 * r.total) / (wall || 1)).toFixed(3)}`,
      ]);
    }
    const header = ["Action", "Mean duration (s)", "Num calls", "Total time (s)", "Percentage %"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `|  ${cells.map((c, i) => c.padEnd(widths[i]!)).join("  |  ")}  |`;
    const rule = "-".repeat(line(header).length);
    return [
      `${stage.toUpperCase()} Profiler Report`,
      "",
      rule,
      line(header),
      rule,
      ...rows.map(line),
      rule,
    ].join("\n");
  }
}
