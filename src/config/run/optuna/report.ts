/**
 * `kiln sweep-report <sweep dir | journal>`: finds the study of an Optuna sweep (the journal a `storage: null`
 * sweep records in its sweep dir, or the `hydra.sweeper.storage` its jobs ran with) and writes the study's
 * self-contained HTML report.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { loadStudy } from "../../../optuna/create-study.js";
import { journalPathOf } from "../../../optuna/storages/get-storage.js";
import { studyReportHtml } from "../../../optuna/visualization/report.js";
import { MEMORY_JOURNAL } from "./sweeper.js";

/** The journal file behind a sweep dir (or the file itself), with the study name the sweep used. */
export function locateJournal(target: string): { journal: string; studyName: string | null } {
  if (!existsSync(target)) throw new Error(`no such sweep dir or journal file: '${target}'`);
  if (statSync(target).isFile()) return { journal: resolve(target), studyName: null };
  const recorded = join(target, MEMORY_JOURNAL);
  if (existsSync(recorded)) return { journal: resolve(recorded), studyName: null };
  const jobs = readdirSync(target)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(target, d, ".hydra", "hydra.yaml")))
    .sort((a, b) => Number(a) - Number(b));
  for (const job of jobs) {
    const hydra = parse(readFileSync(join(target, job, ".hydra", "hydra.yaml"), "utf8"))?.hydra;
    const storage = hydra?.sweeper?.storage;
    if (typeof storage !== "string" || storage === "") continue;
    const cwd = typeof hydra?.runtime?.cwd === "string" ? hydra.runtime.cwd : process.cwd();
    const path = journalPathOf(storage, cwd);
    if (existsSync(path)) return { journal: path, studyName: hydra?.sweeper?.study_name ?? null };
  }
  throw new Error(
    `no Optuna study found in '${target}': expected ${MEMORY_JOURNAL} (written by an Optuna sweep with storage: null) or jobs whose hydra.sweeper.storage names a journal file. Pass the journal file instead.`,
  );
}

/** Writes the HTML report of the sweep or journal `target` to `output` (default: next to it); returns the path. */
export function writeSweepReport(target: string, output?: string | null, studyName?: string | null): string {
  const { journal, studyName: used } = locateJournal(target);
  const study = loadStudy({ storage: journal, studyName: studyName ?? used });
  const dir = statSync(target).isDirectory() ? target : null;
  const out = output
    ? isAbsolute(output)
      ? output
      : resolve(output)
    : dir
      ? join(dir, "sweep_report.html")
      : `${journal}.html`;
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, studyReportHtml(study, `journal: ${journal}`));
  renameSync(tmp, out);
  return out;
}
