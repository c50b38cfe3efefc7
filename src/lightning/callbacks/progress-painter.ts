/**
 * The drawing side of the progress bars: the training line and the evaluation line under it, redrawn in
 * place on a terminal (at most every 0.1 s, as tqdm) or printed as plain lines elsewhere (every
 * `plainInterval` seconds and when a bar finishes). Strings are only built when something is written.
 */
import { type BarSnapshot, renderPlain } from "./progress-format.js";

/** Where a bar writes: stdout, or a test stream (isTTY / columns as Node's tty.WriteStream has them). */
export interface BarStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Which loop a bar follows. */
export type BarKind = "train" | "validation" | "sanity" | "test" | "predict";

/** One bar's progress. */
export interface ActiveBar {
  kind: BarKind;
  description: string;
  total: number | null;
  n: number;
  start: number;
  lastDraw: number;
}

// tqdm's default mininterval: a terminal line is redrawn at most ten times a second.
const TTY_MIN_INTERVAL = 0.1;
const CLEAR_LINE = "\r\x1b[2K";
const UP = "\x1b[1A";

function now(): number {
  return performance.now() / 1000;
}

/** Draws the training bar and the evaluation bar of one progress-bar callback. */
export class BarPainter {
  train: ActiveBar | null = null;
  eval: ActiveBar | null = null;

  constructor(
    private readonly stream: BarStream,
    private readonly plainInterval: number,
    private readonly render: (snapshot: BarSnapshot) => string,
    /** The items after the counters of the training bar (v_num, prog_bar metrics). */
    private readonly metrics: () => [string, number | string][],
  ) {}

  /** Whether the output is a terminal (redraw in place) rather than a log (plain lines). */
  get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /** Starts an epoch's training bar (on the same terminal line as the previous epoch unless `leave`). */
  startTrain(description: string, total: number | null, leave: boolean): void {
    if (this.train !== null && this.tty && leave) this.stream.write("\n");
    this.train = newBar("train", description, total);
    if (this.tty) this.draw(this.train);
  }

  /** Starts an evaluation bar: on the line under the training bar when there is one. */
  startEval(kind: BarKind, description: string, total: number | null): void {
    if (this.eval === null && this.train !== null && this.tty) this.stream.write("\n");
    this.eval = newBar(kind, description, total);
  }

  /** Records batch `n` of `bar`; redraws when every `refreshRate`-th batch falls due (the last always). */
  advance(bar: ActiveBar | null, n: number, refreshRate: number): void {
    if (bar === null) return;
    bar.n = n;
    if (n % refreshRate !== 0 && n !== bar.total) return;
    const t = now();
    const last = n === bar.total;
    if (this.tty) {
      if (last || t - bar.lastDraw >= TTY_MIN_INTERVAL) this.draw(bar, t);
    } else if (!last && t - bar.lastDraw >= this.plainInterval && t - bar.start >= this.plainInterval) {
      this.plainLine(bar, t);
    }
  }

  /** The training bar at the end of an epoch (final counts and metrics). */
  finishTrainEpoch(): void {
    if (this.train === null) return;
    if (this.tty) this.draw(this.train);
    else this.plainLine(this.train);
  }

  /** Ends training: the terminal line is kept. */
  endTrain(): void {
    if (this.train !== null && this.tty) this.stream.write("\n");
    this.train = null;
  }

  /** Ends the evaluation bar and redraws the training bar (its metrics changed) when there is one. */
  endEval(): void {
    const bar = this.eval;
    this.eval = null;
    if (bar === null) return;
    if (!this.tty) {
      if (bar.kind !== "sanity") this.plainLine(bar);
      return;
    }
    // Under the training bar the evaluation line goes away (Lightning's leave=False), as does the sanity
    // check's; alone (validate/test/predict) its final state stays.
    if (this.train !== null) {
      this.stream.write(CLEAR_LINE + UP);
      this.draw(this.train);
    } else if (bar.kind === "sanity") {
      this.stream.write(CLEAR_LINE);
    } else {
      this.draw(bar);
      this.stream.write("\n");
    }
  }

  /** Prints a line above the bars without breaking them. */
  print(line: string): void {
    if (!this.tty || (this.train === null && this.eval === null)) {
      this.stream.write(`${line}\n`);
      return;
    }
    // The evaluation line sits under the training line: clear it and write over the training line.
    if (this.eval !== null && this.train !== null) this.stream.write(CLEAR_LINE + UP);
    this.stream.write(`${CLEAR_LINE}${line}\n`);
    if (this.train !== null) this.draw(this.train);
    if (this.eval !== null) {
      if (this.train !== null) this.stream.write("\n");
      this.draw(this.eval);
    }
  }

  private snapshot(bar: ActiveBar, t: number): BarSnapshot {
    return {
      description: bar.description,
      n: bar.n,
      total: bar.total,
      elapsedSeconds: t - bar.start,
      metrics: bar.kind === "train" ? this.metrics() : [],
      columns: this.stream.columns ?? 100,
    };
  }

  private draw(bar: ActiveBar, t = now()): void {
    bar.lastDraw = t;
    this.stream.write(`\r${this.render(this.snapshot(bar, t))}\x1b[K`);
  }

  private plainLine(bar: ActiveBar, t = now()): void {
    bar.lastDraw = t;
    this.stream.write(`${renderPlain(this.snapshot(bar, t))}\n`);
  }
}

function newBar(kind: BarKind, description: string, total: number | null): ActiveBar {
  return { kind, description, total, n: 0, start: now(), lastDraw: Number.NEGATIVE_INFINITY };
}
