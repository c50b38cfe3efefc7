// The global RNG state around training epochs, so that resuming reproduces the uninterrupted run: the state
// at the start of the current epoch (before the loader draws its shuffle seed) is kept and saved in
// checkpoints next to the current state; a mid-epoch resume replays the epoch's shuffle from it.
import { getRngState, setRngState } from "../../torch/generator.js";
import { keep } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";

/** Keeps the epoch-start RNG state and applies a checkpoint's saved states on resume. */
export class EpochRng {
  private epochStart: Tensor | null = null;
  private pending: { epochStart: Tensor; current: Tensor } | null = null;

  /** The RNG state at the start of the running epoch (owned here; do not dispose). */
  get epochStartState(): Tensor | null {
    return this.epochStart;
  }

  /** Runs `create` (which makes the epoch's loader iterator) after recording or restoring the epoch start. */
  startEpochIterator<T>(create: () => T): T {
    if (this.pending !== null) setRngState(this.pending.epochStart);
    this.epochStart?.dispose();
    this.epochStart = keep(getRngState());
    return create();
  }

  /** After skipping a resumed epoch's done batches: continue from the checkpoint's current RNG state. */
  afterSkip(): void {
    if (this.pending === null) return;
    setRngState(this.pending.current);
    this.pending.epochStart.dispose();
    this.pending.current.dispose();
    this.pending = null;
  }

  /** Schedules a mid-epoch resume from copies of a checkpoint's states (the checkpoint is freed after). */
  resumeFrom(epochStart: Tensor, current: Tensor): void {
    this.pending = { epochStart: keep(epochStart.clone()), current: keep(current.clone()) };
  }

  /** Frees the kept states (end of fit). */
  dispose(): void {
    this.epochStart?.dispose();
    this.epochStart = null;
    if (this.pending !== null) {
      this.pending.epochStart.dispose();
      this.pending.current.dispose();
      this.pending = null;
    }
  }
}
