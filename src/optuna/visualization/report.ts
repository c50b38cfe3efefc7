/**
 * A study as one self-contained HTML page (inline CSS and SVG, no script, no network): a summary (trials by
 * state, best trial or Pareto front), the optimization history, the parallel coordinates and the parameter
 * importances (PED-ANOVA, Optuna 5.0's default evaluator) of each objective.
 */
import { pyRepr } from "../../common/pyrepr.js";
import { formatPyFloat } from "../../common/pyvalue.js";
import { TrialState } from "../frozen-trial.js";
import { getParamImportances } from "../importance/ped-anova.js";
import { ERROR, getVerbosity, setVerbosity } from "../logging.js";
import { StudyDirection } from "../storages/storage.js";
import type { Study } from "../study.js";
import { historyChart, importanceChart, parallelCoordinateChart } from "./charts.js";
import { esc } from "./svg.js";

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}.note{color:#666;font-size:12px}`;

function summaryTable(study: Study): string {
  const trials = study.trials;
  const counts = Object.values(TrialState)
    .filter((s): s is TrialState => typeof s === "number")
    .map((s) => [TrialState[s], trials.filter((t) => t.state === s).length] as const)
    .filter(([, c]) => c > 0);
  const dirs = study.directions.map((d) => StudyDirection[d].toLowerCase()).join(", ");
  let best = "";
  const complete = trials.filter((t) => t.state === TrialState.COMPLETE);
  if (complete.length > 0 && !study.isMultiObjective()) {
    const b = study.bestTrial;
    best = `<tr><th>best trial</th><td>#${b.number}: ${esc(formatPyFloat(b.value!))} with ${esc(pyRepr(b.params))}</td></tr>`;
  } else if (complete.length > 0) {
    const front = study.bestTrials.map((t) => `#${t.number} ${esc(pyRepr(t.values))}`).join("<br>");
    best = `<tr><th>Pareto front</th><td>${front}</td></tr>`;
  }
  return `<table><tr><th>study</th><td>${esc(study.studyName)}</td></tr><tr><th>direction</th><td>${esc(dirs)}</td></tr><tr><th>trials</th><td>${trials.length} (${counts.map(([s, c]) => `${c} ${s}`).join(", ")})</td></tr>${best}</table>`;
}

/** The report of `study` as an HTML document. */
export function studyReportHtml(study: Study, source = ""): string {
  const trials = study.trials;
  const sections: string[] = [];
  const multi = study.isMultiObjective();
  study.directions.forEach((d, i) => {
    const name = multi ? `Objective ${i}` : "Objective Value";
    sections.push(
      `<h2>Optimization history${multi ? ` (${esc(name)})` : ""}</h2>${historyChart(trials, d, i, name)}`,
    );
    sections.push(
      `<h2>Parallel coordinates${multi ? ` (${esc(name)})` : ""}</h2>${parallelCoordinateChart(trials, d, i, name)}`,
    );
  });
  const complete = trials.filter((t) => t.state === TrialState.COMPLETE);
  if (!multi && complete.length > 1) {
    const verbosity = getVerbosity();
    setVerbosity(ERROR);
    try {
      sections.push(
        `<h2>Hyperparameter importances</h2>${importanceChart(getParamImportances(study), "PedAnovaImportanceEvaluator")}`,
      );
    } finally {
      setVerbosity(verbosity);
    }
  } else {
    sections.push(
      `<h2>Hyperparameter importances</h2><p class="note">Needs at least two completed trials${multi ? " and one objective" : ""}.</p>`,
    );
  }
  const title = `Optuna study ${study.studyName}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head>
<body><h1>${esc(title)}</h1>${source ? `<p class="note">${esc(source)}</p>` : ""}${summaryTable(study)}
${sections.join("\n")}
<p class="note">Written by kiln sweep-report. Importances: PED-ANOVA (Optuna 5.0's default evaluator), normalised to sum to 1.</p>
</body></html>
`;
}
