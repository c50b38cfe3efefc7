/**
 * When ModelCheckpoint saves at the end of a training batch: every `every_n_train_steps` global steps, or
 * when `train_time_interval` has passed. The interval's clock restarts only when the interval triggers, as in
 * Lightning, so a step-triggered save does not postpone the next time-triggered one.
 */
import type { TimeDelta } from "./checkpoint-files.js";

/** Lightning's every_n_train_steps / train_time_interval checks of on_train_batch_end. */
export class TrainStepSchedule {
  #lastTimeChecked: number | null = null;

  constructor(
    readonly everyNTrainSteps: number,
    readonly trainTimeInterval: TimeDelta | null,
  ) {}

  /** Starts the train_time_interval clock (at the start of training). */
  start(): void {
    this.#lastTimeChecked = performance.now() / 1000;
  }

  /** Whether the batch that reached `globalStep` is a save point; a due time interval restarts its clock. */
  isDue(globalStep: number): boolean {
    const skipBatch = this.everyNTrainSteps < 1 || globalStep % this.everyNTrainSteps !== 0;
    let skipTime = true;
    const now = performance.now() / 1000;
    if (this.trainTimeInterval !== null) {
      const prev = this.#lastTimeChecked;
      skipTime = prev === null || now - prev < this.trainTimeInterval.totalSeconds;
    }
    if (skipBatch && skipTime) return false;
    if (!skipTime) this.#lastTimeChecked = now;
    return true;
  }
}
