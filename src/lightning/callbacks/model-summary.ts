/**
 * ModelSummary and RichModelSummary: print the model's layer table and parameter totals when fit starts,
 * as Lightning does (`  | Name | Type | Params | Mode | FLOPs` ... `Total estimated model params size (MB)`).
 * The rich variant draws the same data as a box table (the `rich` library's default heavy-head box).
 */
import type { Module } from "../../torch/nn/module.js";
import { Callback } from "./callback.js";
import { emitInfo, emitWarning } from "./messages.js";
import { intOption, readOptions } from "./options.js";
import {
  formattedModelSize,
  humanReadableCount,
  knownPrecision,
  type SummaryData,
  summarizeModel,
} from "./summary-data.js";

/** ModelSummary's options (Lightning's argument names). */
export interface ModelSummaryOptions {
  max_depth?: number;
}

/** What the summary callbacks read from the trainer. */
export interface SummaryTrainerView {
  /** Lightning's trainer.precision ("32-true", "bf16-mixed", ...); read from trainer.options when absent. */
  readonly precision?: string;
  readonly options?: { readonly precision?: string };
  readonly isGlobalZero?: boolean;
}

/** Lightning's `_format_summary_table`: the plain-text table and the totals below it. */
export function formatSummaryTable(data: SummaryData): string {
  const cols = data.columns;
  const nRows = cols[0]![1].length;
  const widths = cols.map(([header, cells]) =>
    Math.max(header.length, ...(nRows ? cells.map((c) => c.length) : [0])),
  );
  const totalWidth = widths.reduce((a, b) => a + b, 0) + 3 * (cols.length + 1);
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  const rule = "-".repeat(totalWidth);
  const rows: string[] = [line(cols.map(([h]) => h)), rule];
  for (let r = 0; r < nRows; r++) rows.push(line(cols.map(([, cells]) => cells[r]!)));
  rows.push(rule);
  const pad = (s: string | number) => String(s).padEnd(10);
  rows.push(`${pad(humanReadableCount(data.trainableParameters))}Trainable params`);
  rows.push(
    `${pad(humanReadableCount(data.totalParameters - data.trainableParameters))}Non-trainable params`,
  );
  rows.push(`${pad(humanReadableCount(data.totalParameters))}Total params`);
  rows.push(`${pad(formattedModelSize(data.modelSizeMB))}Total estimated model params size (MB)`);
  rows.push(`${pad(data.trainModules)}Modules in train mode`);
  rows.push(`${pad(data.evalModules)}Modules in eval mode`);
  rows.push(`${pad(humanReadableCount(data.totalFlops))}Total Flops`);
  return rows.join("\n");
}

/** Prints a summary of the model's layers when fitting starts. */
export class ModelSummary extends Callback {
  readonly maxDepth: number;

  constructor(options: ModelSummaryOptions = {}) {
    super();
    const o = readOptions(this.constructor.name, options, ["max_depth"]);
    this.maxDepth = intOption(this.constructor.name, o, "max_depth", 1)!;
  }

  /** The summary data of `module` for this callback's max_depth. */
  summarize(module: Module, precision?: string): SummaryData {
    if (precision !== undefined && !knownPrecision(precision)) {
      emitWarning(
        `Precision ${precision} is not supported by the model summary.  Estimated model size in MB will not be ` +
          "accurate. Using 32 bits instead.",
      );
    }
    return summarizeModel(module, this.maxDepth, precision);
  }

  override onFitStart(trainer: SummaryTrainerView, module: Module): void {
    if (!this.maxDepth) return;
    const data = this.summarize(module, trainer.precision ?? trainer.options?.precision);
    if (trainer.isGlobalZero !== false) this.print(data);
  }

  /** Writes the table (Lightning logs it at INFO level, after a blank line). */
  protected print(data: SummaryData): void {
    emitInfo(`\n${formatSummaryTable(data)}`);
  }
}

const BOLD = "\x1b[1m";
const MAGENTA_BOLD = "\x1b[1;35m";
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** The rich-library table: heavy header box, right-aligned numbers, then `Name: value` totals. */
export function formatRichSummary(data: SummaryData, color: boolean): string {
  const paint = (s: string, code: string) => (color && s.trim() !== "" ? `${code}${s}${RESET}` : s);
  const cols = data.columns;
  const nRows = cols[0]![1].length;
  const rightAligned = new Set(["Params", "FLOPs", "In sizes", "Out sizes"]);
  // Right-aligned counts lose the padding that get_human_readable_count adds for the plain table ("83  ").
  const trimmed = cols.map(
    ([h, cells]) => [h, rightAligned.has(h) ? cells.map((c) => c.trimEnd()) : cells] as const,
  );
  const widths = trimmed.map(([h, cells]) => Math.max(h.length, ...cells.map((c) => c.length)));
  const cell = (text: string, i: number) =>
    rightAligned.has(cols[i]![0]) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const border = (l: string, fill: string, mid: string, r: string) =>
    l + widths.map((w) => fill.repeat(w + 2)).join(mid) + r;
  const out = [border("┏", "━", "┳", "┓")];
  out.push(`┃${cols.map(([h], i) => ` ${paint(h.padEnd(widths[i]!), MAGENTA_BOLD)} `).join("┃")}┃`);
  out.push(border("┡", "━", "╇", "┩"));
  for (let r = 0; r < nRows; r++) {
    const cells = trimmed.map(([, cs], i) => ` ${i === 0 ? paint(cell(cs[r]!, i), DIM) : cell(cs[r]!, i)} `);
    out.push(`│${cells.join("│")}│`);
  }
  out.push(border("└", "─", "┴", "┘"));
  const pad = (s: string) => s.padEnd(10);
  const total = (label: string, value: string) => `${paint(label, BOLD)}: ${value}`;
  out.push(total("Trainable params", pad(humanReadableCount(data.trainableParameters))));
  out.push(
    total("Non-trainable params", pad(humanReadableCount(data.totalParameters - data.trainableParameters))),
  );
  out.push(total("Total params", pad(humanReadableCount(data.totalParameters))));
  out.push(total("Total estimated model params size (MB)", pad(formattedModelSize(data.modelSizeMB))));
  out.push(total("Modules in train mode", String(data.trainModules)));
  out.push(total("Modules in eval mode", String(data.evalModules)));
  out.push(total("Total FLOPs", humanReadableCount(data.totalFlops)));
  return out.join("\n");
}

/** ModelSummary drawn as a rich table on stdout (colours on a terminal). */
export class RichModelSummary extends ModelSummary {
  protected override print(data: SummaryData): void {
    process.stdout.write(`${formatRichSummary(data, process.stdout.isTTY === true)}\n`);
  }
}
