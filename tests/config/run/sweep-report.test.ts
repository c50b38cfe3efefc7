// `kiln sweep-report`: one self-contained HTML file whose inline SVG charts hold the study's data (read back
// here from the SVG): optimization history, parallel coordinates, PED-ANOVA importances.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runHydraApp } from "../../../src/config/run/hydra-app.js";
import { locateJournal, writeSweepReport } from "../../../src/config/run/optuna/report.js";
import { getParamImportances } from "../../../src/optuna/importance/ped-anova.js";
import { loadStudy, setVerbosity, TrialState } from "../../../src/optuna/index.js";

setVerbosity(40);
const GOLDEN = join(import.meta.dirname, "..", "..", "fixtures", "optuna", "study.journal.log");
const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "optuna-sweep");

/** The <svg> elements of a page, checked to be well-formed (every tag closed in order). */
function charts(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<svg\b[^>]*data-chart="([^"]+)"[^>]*>[\s\S]*?<\/svg>/g)) {
    const stack: string[] = [];
    for (const t of m[0].matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
      if (t[3] === "/") continue;
      if (t[1] === "/") assert.equal(stack.pop(), t[2], `badly nested </${t[2]}>`);
      else stack.push(t[2]);
    }
    assert.deepEqual(stack, [], "unclosed SVG elements");
    out.set(m[1], m[0]);
  }
  return out;
}

const attrs = (svg: string, tag: string, cls: string): Record<string, string>[] =>
  [...svg.matchAll(new RegExp(`<${tag}\\b[^>]*class="${cls}"[^>]*>`, "g"))].map((m) =>
    Object.fromEntries([...m[0].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );

test("the report of Optuna's journal: history, parallel coordinates and importances hold the trials", () => {
  const out = join(mkdtempSync(join(tmpdir(), "kiln-report-")), "report.html");
  assert.equal(writeSweepReport(GOLDEN, out), out);
  const html = readFileSync(out, "utf8");
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "no script, no network");
  const study = loadStudy({ storage: GOLDEN });
  const complete = study.trials.filter((t) => t.state === TrialState.COMPLETE);
  const c = charts(html);
  assert.deepEqual([...c.keys()], ["history", "parallel-coordinate", "importances"]);

  const points = attrs(c.get("history")!, "circle", "trial");
  assert.deepEqual(
    points.map((p) => Number(p["data-number"])),
    complete.map((t) => t.number),
  );
  assert.deepEqual(
    points.map((p) => Number(p["data-value"])),
    complete.map((t) => t.value),
  );
  const best = attrs(c.get("history")!, "polyline", "best")[0].points.split(" ");
  assert.equal(best.length, complete.length);

  const pc = c.get("parallel-coordinate")!;
  assert.deepEqual(
    [...pc.matchAll(/class="axis" data-param="([^"]+)"/g)].map((m) => m[1]),
    ["Objective Value", "data.batch_size", "model.net.lin1_size", "model.optimizer.lr"],
  );
  const lines = attrs(pc, "polyline", "trial-line");
  assert.deepEqual(
    lines.map((l) => Number(l["data-number"])).sort((a, b) => a - b),
    complete.map((t) => t.number),
  );
  assert.ok(
    lines.every((l) => l.points.split(" ").length === 4),
    "each line crosses every axis",
  );

  const bars = attrs(c.get("importances")!, "rect", "importance");
  const expected = getParamImportances(study);
  assert.deepEqual(
    bars.map((b) => b["data-param"]),
    Object.keys(expected),
  );
  for (const b of bars) assert.ok(Math.abs(Number(b["data-importance"]) - expected[b["data-param"]]) < 1e-12);
  assert.ok(Math.abs(bars.reduce((s, b) => s + Number(b["data-importance"]), 0) - 1) < 1e-9);
});

test("a sweep dir: the journal a storage: null sweep records is found; a dir without one is an error", async () => {
  const out = mkdtempSync(join(tmpdir(), "kiln-report-sweep-"));
  process.env.KILN_TEST_OUT = out;
  const sweepDir = join(out, "sweep");
  const tasks = await import("../../fixtures/optuna-sweep/tasks.js");
  const write = process.stdout.write.bind(process.stdout);
  // Silences the log lines (strings) but lets the test runner's reports (buffers) through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === "string" ||
    (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  try {
    const r = await runHydraApp(
      ["-m", `hydra.sweep.dir=${sweepDir}`, "hydra.sweeper.n_trials=4"],
      tasks.quadratic,
      {
        configDir: FIXTURE,
        configName: "config",
        appName: "app",
        warn: () => {},
      },
    );
    assert.equal(r.exitCode, 0);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(locateJournal(sweepDir).journal, join(sweepDir, "optuna_journal.log"));
  const report = writeSweepReport(sweepDir);
  assert.equal(report, join(sweepDir, "sweep_report.html"));
  assert.equal(attrs(charts(readFileSync(report, "utf8")).get("history")!, "circle", "trial").length, 4);
  assert.throws(
    () => writeSweepReport(out),
    /no Optuna study found in .*optuna_journal\.log.*hydra\.sweeper\.storage/s,
  );
});
