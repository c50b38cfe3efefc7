/**
 * Progress bars (TQDMProgressBar and RichProgressBar, Lightning's names and options): the training bar per
 * epoch (`Epoch 3`), validation/test/predict bars, speed, ETA, v_num and prog_bar metrics. On a terminal the
 * line is redrawn in place (validation on the line below); otherwise (CI logs) plain lines are printed every
 * `plain_interval` seconds and at the end of each bar. A step costs a modulo and a clock read unless a redraw
 * is due: no strings are built in between (see progress-painter.ts).
 */
import { Callback } from "./callback.js";
import { setInfoSink } from "./messages.js";
import { boolOption, intOption, numberOption, readOptions } from "./options.js";
import { type BarSnapshot, renderRich, renderTqdm } from "./progress-format.js";
import { type BarKind, BarPainter, type BarStream } from "./progress-painter.js";
import { metricEntries, type ProgressTrainerView, totalBatches } from "./trainer-view.js";

export type { BarStream } from "./progress-painter.js";

/** Options of both bars (Lightning's names; `plain_interval` is Kiln's period of non-terminal lines). */
export interface ProgressBarOptions {
  refresh_rate?: number;
  process_position?: number;
  leave?: boolean;
  plain_interval?: number;
  theme?: unknown;
  console_kwargs?: unknown;
}

const OPTION_KEYS = [
  "refresh_rate",
  "process_position",
  "leave",
  "plain_interval",
  "theme",
  "console_kwargs",
];

/** Base of Kiln's bars (Lightning's ProgressBar): totals, descriptions and metrics; drawing is the painter's. */
export abstract class ProgressBarBase extends Callback {
  readonly refreshRate: number;
  readonly leave: boolean;
  readonly plainInterval: number;
  #enabled = true;
  readonly #painter: BarPainter;
  #trainer: ProgressTrainerView | null = null;
  #restoreInfo: ((line: string) => void) | null = null;

  constructor(options: ProgressBarOptions = {}, io: { stream?: BarStream } = {}) {
    super();
    const name = this.constructor.name;
    const o = readOptions(name, options, OPTION_KEYS);
    this.refreshRate = intOption(name, o, "refresh_rate", 1)!;
    this.leave = boolOption(name, o, "leave", false);
    this.plainInterval = numberOption(name, o, "plain_interval", 10);
    this.#painter = new BarPainter(
      io.stream ?? process.stdout,
      this.plainInterval,
      (snapshot) => this.render(snapshot),
      () => (this.#trainer === null ? [] : this.getMetrics(this.#trainer)),
    );
  }

  /** Renders one line of this bar's style. */
  protected abstract render(snapshot: BarSnapshot): string;
  /** The training bar's description for an epoch. */
  protected trainDescription(epoch: number, _trainer: ProgressTrainerView): string {
    return `Epoch ${epoch}`;
  }

  get isEnabled(): boolean {
    return this.#enabled && this.refreshRate > 0;
  }
  get isDisabled(): boolean {
    return !this.isEnabled;
  }
  disable(): void {
    this.#enabled = false;
  }
  enable(): void {
    this.#enabled = true;
  }

  /** Prints a line without breaking the bar (info messages go through here while a bar is drawn). */
  print(line: string): void {
    this.#painter.print(line);
  }

  /** v_num (the loggers' version, last 4 characters of a string) then the prog_bar metrics. */
  getMetrics(trainer: ProgressTrainerView): [string, number | string][] {
    const out: [string, number | string][] = [];
    const versions = [...new Set(trainer.loggers.map((l) => l.version).filter((v) => v !== undefined))];
    if (versions.length > 0) {
      const version = versions.length === 1 ? String(versions[0]) : versions.join("_");
      const shown = typeof versions[0] === "string" || versions.length > 1 ? version.slice(-4) : version;
      if (shown !== "") out.push(["v_num", shown]);
    }
    for (const [k, v] of metricEntries(trainer.progressBarMetrics)) {
      const at = out.findIndex(([name]) => name === k);
      if (at >= 0) out[at] = [k, v];
      else out.push([k, v]);
    }
    return out;
  }

  override setup(trainer: ProgressTrainerView): void {
    this.#trainer = trainer;
    if (trainer.isGlobalZero === false) this.disable();
    if (this.isEnabled && this.#painter.tty && this.#restoreInfo === null) {
      this.#restoreInfo = setInfoSink((l) => this.print(l));
    }
  }

  override teardown(): void {
    if (this.#restoreInfo !== null) setInfoSink(this.#restoreInfo);
    this.#restoreInfo = null;
  }

  // ---- training ---------------------------------------------------------------------------------------

  override onTrainEpochStart(trainer: ProgressTrainerView): void {
    if (this.isDisabled) return;
    let total: number | null = trainer.numTrainingBatches;
    if (trainer.maxEpochs === -1 && trainer.maxSteps > 0) {
      total = Math.min(total, trainer.maxSteps - trainer.globalStep);
    }
    const description = this.trainDescription(trainer.currentEpoch, trainer);
    this.#painter.startTrain(description, Number.isFinite(total) ? total : null, this.leave);
  }

  override onTrainBatchEnd(_t: unknown, _m: unknown, _o: unknown, _b: unknown, batchIdx: number): void {
    if (this.isEnabled) this.#painter.advance(this.#painter.train, batchIdx + 1, this.refreshRate);
  }

  override onTrainEpochEnd(_trainer?: unknown, _module?: unknown): void {
    if (this.isEnabled) this.#painter.finishTrainEpoch();
  }

  override onTrainEnd(_trainer?: unknown, _module?: unknown): void {
    if (this.isEnabled) this.#painter.endTrain();
  }

  // ---- evaluation -------------------------------------------------------------------------------------

  override onValidationBatchStart(
    trainer: ProgressTrainerView,
    _m: unknown,
    _b: unknown,
    i: number,
    idx: number,
  ): void {
    if (i !== 0 || this.isDisabled) return;
    const sanity = trainer.sanityChecking;
    const counts = sanity ? trainer.numSanityValBatches : trainer.numValBatches;
    const kind = sanity ? "sanity" : "validation";
    this.#startEval(kind, `${sanity ? "Sanity Checking" : "Validation"} DataLoader ${idx}`, counts, idx);
  }
  override onValidationBatchEnd(_t: unknown, _m: unknown, _o: unknown, _b: unknown, batchIdx: number): void {
    this.#advanceEval(batchIdx);
  }
  override onValidationEnd(_trainer?: unknown, _module?: unknown): void {
    if (this.isEnabled) this.#painter.endEval();
  }

  override onTestBatchStart(
    trainer: ProgressTrainerView,
    _m: unknown,
    _b: unknown,
    i: number,
    idx: number,
  ): void {
    if (i === 0 && this.isEnabled)
      this.#startEval("test", `Testing DataLoader ${idx}`, trainer.numTestBatches, idx);
  }
  override onTestBatchEnd(_t: unknown, _m: unknown, _o: unknown, _b: unknown, batchIdx: number): void {
    this.#advanceEval(batchIdx);
  }
  override onTestEnd(_trainer?: unknown, _module?: unknown): void {
    if (this.isEnabled) this.#painter.endEval();
  }

  override onPredictBatchStart(
    trainer: ProgressTrainerView,
    _m: unknown,
    _b: unknown,
    i: number,
    idx: number,
  ): void {
    if (i !== 0 || this.isDisabled) return;
    this.#startEval("predict", `Predicting DataLoader ${idx}`, trainer.numPredictBatches, idx);
  }
  override onPredictBatchEnd(_t: unknown, _m: unknown, _o: unknown, _b: unknown, batchIdx: number): void {
    this.#advanceEval(batchIdx);
  }
  override onPredictEnd(_trainer?: unknown, _module?: unknown): void {
    if (this.isEnabled) this.#painter.endEval();
  }

  #startEval(
    kind: BarKind,
    description: string,
    counts: number | readonly number[] | undefined,
    idx: number,
  ): void {
    let total: number | null = null;
    if (typeof counts === "number") total = counts;
    else if (counts !== undefined) total = counts[idx] ?? totalBatches(counts);
    this.#painter.startEval(kind, description, total !== null && Number.isFinite(total) ? total : null);
  }

  #advanceEval(batchIdx: number): void {
    if (this.isEnabled) this.#painter.advance(this.#painter.eval, batchIdx + 1, this.refreshRate);
  }
}

/** Lightning's default bar, drawn like tqdm. */
export class TQDMProgressBar extends ProgressBarBase {
  protected render(snapshot: BarSnapshot): string {
    return renderTqdm(snapshot);
  }
}

/** Lightning's rich bar: `Epoch 3/9 ━━━━╺━━ 9/20 0:00:01 • 0:00:01 8.00it/s v_num: 0 train/loss: 0.432`. */
export class RichProgressBar extends ProgressBarBase {
  protected render(snapshot: BarSnapshot): string {
    return renderRich(snapshot);
  }

  protected override trainDescription(epoch: number, trainer: ProgressTrainerView): string {
    let description = `Epoch ${epoch}`;
    if (trainer.maxEpochs !== null && trainer.maxEpochs !== undefined) {
      description += `/${trainer.maxEpochs - 1}`;
    }
    // Lightning pads it to the width of "Validation" so the bars do not jump.
    return description.padEnd("Validation".length);
  }
}
