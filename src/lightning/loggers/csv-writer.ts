/**
 * The CSVLogger's experiment: Lightning's ExperimentWriter. Rows are buffered and appended on save(); the
 * header is sorted() of every key seen, and a new key rewrites the whole file with the wider header.
 * Python's csv module conventions: CRLF after every row, minimal quoting, missing cells empty.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describeIoError, makeDirs, writeFileAtomic } from "../../common/files.js";
import { formatPyFloat } from "../../common/pyvalue.js";
import { isFile } from "./files.js";
import { saveHparamsToYaml } from "./hparams-yaml.js";

/** Python csv's QUOTE_MINIMAL: quote a field holding the delimiter, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line, CRLF-terminated. */
export function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** Parses CSV text written by csvLine (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** Python's str() of a logged value: ints for the counters, floats (`0.0`, `0.25`) for metric values. */
function formatCell(value: number, asInt: boolean): string {
  return asInt && Number.isInteger(value) ? String(value) : formatPyFloat(value);
}

/** Lightning's CSV ExperimentWriter: metrics.csv and hparams.yaml in one version folder. */
export class CsvExperimentWriter {
  static readonly NAME_METRICS_FILE = "metrics.csv";
  static readonly NAME_HPARAMS_FILE = "hparams.yaml";

  /** Rows logged since the last save, as formatted cells. */
  readonly metrics: Map<string, string>[] = [];
  /** Every key written so far, sorted: the header. */
  readonly metricsKeys: string[] = [];
  readonly hparams: Record<string, unknown> = {};
  readonly metricsFilePath: string;

  constructor(readonly logDir: string) {
    this.metricsFilePath = join(logDir, CsvExperimentWriter.NAME_METRICS_FILE);
    if (existsSync(logDir) && readdirSync(logDir).length > 0) {
      process.emitWarning(
        `Experiment logs directory ${logDir} exists and is not empty. ` +
          "Previous log files in this directory will be deleted when the new ones are saved!",
        "UserWarning",
      );
      rmSync(this.metricsFilePath, { force: true });
    }
    makeDirs(logDir);
  }

  /** Buffers one row; `intKeys` are printed as ints (epoch), the rest as Python floats; `step` is added. */
  logMetrics(metrics: Record<string, number>, step: number, intKeys: ReadonlySet<string> = new Set()): void {
    const row = new Map<string, string>();
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== "number")
        throw new TypeError(`CSVLogger: metric '${k}' must be a number, got ${typeof v}`);
      row.set(k, formatCell(v, intKeys.has(k)));
    }
    row.set("step", formatCell(step, true));
    this.metrics.push(row);
  }

  /** Merges hyperparameters and rewrites hparams.yaml. */
  logHparams(params: Record<string, unknown>): void {
    Object.assign(this.hparams, params);
    saveHparamsToYaml(join(this.logDir, CsvExperimentWriter.NAME_HPARAMS_FILE), this.hparams);
  }

  /** Appends the buffered rows to metrics.csv, rewriting it first when the header has grown. */
  save(): void {
    if (this.metrics.length === 0) return;
    const newKeys = this.recordNewKeys();
    const fileExists = isFile(this.metricsFilePath);
    if (newKeys && fileExists) this.rewriteWithNewHeader();
    const lines = this.metrics.map((row) => csvLine(this.metricsKeys.map((k) => row.get(k) ?? "")));
    if (fileExists) appendTo(this.metricsFilePath, lines.join(""));
    else writeFileAtomic(this.metricsFilePath, csvLine(this.metricsKeys) + lines.join(""));
    this.metrics.length = 0;
  }

  private recordNewKeys(): boolean {
    const known = new Set(this.metricsKeys);
    let added = false;
    for (const row of this.metrics) {
      for (const k of row.keys()) {
        if (known.has(k)) continue;
        known.add(k);
        this.metricsKeys.push(k);
        added = true;
      }
    }
    this.metricsKeys.sort(comparePyStr);
    return added;
  }

  // Re-reads the file (as Lightning's DictReader does) and writes it back under the wider header.
  private rewriteWithNewHeader(): void {
    const [header = [], ...rows] = parseCsv(readFileSync(this.metricsFilePath, "utf8"));
    const lines = rows.map((cells) => {
      const old = new Map(header.map((k, i) => [k, cells[i] ?? ""]));
      return csvLine(this.metricsKeys.map((k) => old.get(k) ?? ""));
    });
    writeFileAtomic(this.metricsFilePath, csvLine(this.metricsKeys) + lines.join(""));
  }
}

/** Python's sorted() order for str: by code point (JS's default sort compares UTF-16 units). */
function comparePyStr(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = (ca[i].codePointAt(0) ?? 0) - (cb[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

// Rows are appended (a whole-file rewrite per flush would cost O(rows)); a failure names the file and the cause.
function appendTo(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (err) {
    throw describeIoError(err, "append to", path);
  }
}
