/**
 * Timer (Lightning semantics): measures the time spent in training, validation and testing, and stops the fit
 * when `duration` ("DD:HH:MM:SS", seconds, or `{days, hours, minutes, seconds}`) has elapsed, checked after
 * every training step (`interval: "step"`) or epoch (`"epoch"`). The elapsed time survives a resume.
 */
import { pyRepr } from "../../common/pyrepr.js";
import { Callback } from "./callback.js";
import { TimeDelta } from "./checkpoint-files.js";
import { emitInfo } from "./messages.js";
import { boolOption, MisconfigurationError, readOptions, stringOption } from "./options.js";
import type { TrainerView } from "./trainer-view.js";

/** Timer's options (Lightning's argument names). */
export interface TimerOptions {
  duration?: string | number | Record<string, number> | null;
  interval?: "step" | "epoch";
  verbose?: boolean;
}

/** Lightning's RunningStage values, the keys of Timer's saved state. */
const STAGES = ["train", "sanity_check", "validate", "test", "predict"] as const;
/** A stage Timer measures. */
export type TimerStage = (typeof STAGES)[number];

function now(): number {
  return performance.now() / 1000;
}

/** Stops training after a fixed amount of time. */
export class Timer extends Callback {
  readonly duration: number | null;
  readonly interval: "step" | "epoch";
  verbose: boolean;
  readonly #start = new Map<TimerStage, number>();
  readonly #end = new Map<TimerStage, number>();
  #offset = 0;

  constructor(options: TimerOptions = {}) {
    super();
    const o = readOptions("Timer", options, ["duration", "interval", "verbose"]);
    this.duration = parseDuration(o.duration);
    const interval = stringOption("Timer", o, "interval", "step");
    if (interval !== "step" && interval !== "epoch") {
      throw new MisconfigurationError(
        `Unsupported parameter value \`Timer(interval=${interval})\`. Possible choices are: step, epoch`,
      );
    }
    this.interval = interval;
    this.verbose = boolOption("Timer", o, "verbose", true);
  }

  /** When a stage started (seconds on a monotonic clock), or null. */
  startTime(stage: TimerStage = "train"): number | null {
    return this.#start.get(stage) ?? null;
  }

  /** When a stage ended (seconds on a monotonic clock), or null. */
  endTime(stage: TimerStage = "train"): number | null {
    return this.#end.get(stage) ?? null;
  }

  /** Seconds spent in a stage (training includes the time before a resume). */
  timeElapsed(stage: TimerStage = "train"): number {
    const start = this.#start.get(stage);
    const end = this.#end.get(stage);
    const offset = stage === "train" ? this.#offset : 0;
    if (start === undefined) return offset;
    if (end === undefined) return now() - start + offset;
    return end - start + offset;
  }

  /** Seconds left of `duration`, or null without a duration. */
  timeRemaining(stage: TimerStage = "train"): number | null {
    return this.duration === null ? null : this.duration - this.timeElapsed(stage);
  }

  override onTrainStart(): void {
    this.#start.set("train", now());
  }
  override onTrainEnd(): void {
    this.#end.set("train", now());
  }
  override onValidationStart(): void {
    this.#start.set("validate", now());
  }
  override onValidationEnd(): void {
    this.#end.set("validate", now());
  }
  override onTestStart(): void {
    this.#start.set("test", now());
  }
  override onTestEnd(): void {
    this.#end.set("test", now());
  }

  override onFitStart(trainer: TrainerView): void {
    if (this.duration !== null) this.#checkTimeRemaining(trainer);
  }

  override onTrainBatchEnd(trainer: TrainerView): void {
    if (this.interval === "step" && this.duration !== null) this.#checkTimeRemaining(trainer);
  }

  override onTrainEpochEnd(trainer: TrainerView): void {
    if (this.interval === "epoch" && this.duration !== null) this.#checkTimeRemaining(trainer);
  }

  override stateDict(): Record<string, unknown> {
    return { time_elapsed: Object.fromEntries(STAGES.map((s) => [s, this.timeElapsed(s)])) };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    const elapsed = (state.time_elapsed ?? {}) as Record<string, unknown>;
    this.#offset = Number(elapsed.train ?? 0);
  }

  #checkTimeRemaining(trainer: TrainerView): void {
    const shouldStop = this.timeElapsed() >= this.duration!;
    trainer.shouldStop = trainer.shouldStop || shouldStop;
    if (shouldStop && this.verbose) {
      const elapsed = timedeltaStr(Math.trunc(this.timeElapsed("train")));
      emitInfo(`Time limit reached. Elapsed time is ${elapsed}. Signaling Trainer to stop.`);
    }
  }
}

/** Seconds from "DD:HH:MM:SS", a number of seconds, or a timedelta-like object; null when absent. */
function parseDuration(duration: unknown): number | null {
  if (duration === undefined || duration === null) return null;
  if (typeof duration === "string") {
    const m = /^(\d+):(\d\d):(\d\d):(\d\d)$/.exec(duration.trim());
    if (m === null) {
      throw new MisconfigurationError(
        `\`Timer(duration=${pyRepr(duration)})\` is not a valid duration. Expected a string in the format DD:HH:MM:SS.`,
      );
    }
    return Number(m[1]) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  }
  return TimeDelta.from(duration, "Timer: duration").totalSeconds;
}

/** Python's str(timedelta): `0:00:05`, `1 day, 2:03:04`. */
export function timedeltaStr(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86400);
  const rest = totalSeconds - days * 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = Math.floor(rest % 60);
  const hms = `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return days === 0 ? hms : `${days} day${days === 1 ? "" : "s"}, ${hms}`;
}
