// The loop contract (Lightning's loops/loop.py). A loop owns its progress trackers and child loops and saves them
// under Lightning's keys (`<prefix>state_dict`, `<prefix><tracker>`, `<prefix><child>.`...) for exact resume;
// a running loop is reset, then advanced until done. Which loop does what: docs/ARCHITECTURE.md ("Loops").
import type { Trainer } from "../trainer/trainer.js";
import type { Tracker } from "./progress.js";

/** A loop's part of the checkpoint's `loops`: trackers and child loops, each under its attribute name. */
export type LoopChild = readonly [key: string, child: Tracker | Loop];

/** What every loop shares: the trainer it runs in, and its state for checkpoints. */
export abstract class Loop {
  constructor(protected readonly trainer: Trainer) {}

  /**
   * The trackers and child loops this loop saves, in the order Lightning writes them (its attribute order).
   * The default has none.
   */
  protected children(): readonly LoopChild[] {
    return [];
  }

  /** The loop's own entries (Lightning's on_save_checkpoint), saved under `<prefix>state_dict`. */
  onSaveCheckpoint(): Record<string, unknown> {
    return {};
  }

  /** Lightning's state_dict: `<prefix>state_dict`, then every tracker and (recursively) child loop. */
  stateDict(destination: Record<string, unknown> = {}, prefix = ""): Record<string, unknown> {
    destination[`${prefix}state_dict`] = this.onSaveCheckpoint();
    for (const [key, child] of this.children()) {
      if (child instanceof Loop) child.stateDict(destination, `${prefix}${key}.`);
      else destination[`${prefix}${key}`] = child.stateDict();
    }
    return destination;
  }
}

/**
 * A loop that runs (Lightning's fit/epoch/evaluation/prediction loops): reset, then (unless it skips) the start
 * hooks, advance until done, the end hooks. advance() may call stopIteration() to end the run at once, as
 * Lightning's loops raise StopIteration (the loader ran out, or a hook asked to skip the rest).
 */
export abstract class RunningLoop<R = void> extends Loop {
  #stopped = false;

  /** Whether the loop has nothing left to do (checked before every advance). */
  abstract get done(): boolean;

  /** Whether run() returns right after reset() (nothing to run). */
  protected get skip(): boolean {
    return false;
  }

  /** Prepares a run: counters, data iterators. */
  protected reset(): void | Promise<void> {}
  /** Before the first advance (the start hooks). */
  protected onRunStart(): void | Promise<void> {}
  /** One step of the loop (an epoch, a dataloader, a batch). */
  protected abstract advance(): void | Promise<void>;
  /** After each advance that did not stop the loop. */
  protected onAdvanceEnd(): void | Promise<void> {}
  /** After the last advance (the end hooks); its value is the run's. */
  protected abstract onRunEnd(): R | Promise<R>;
  /** Always after a run that started, even a failed one: frees iterators. */
  protected teardownRun(): void {}
  /** What a skipped run returns. */
  protected skipped(): R {
    return undefined as R;
  }

  /** Ends the run after the current advance (Lightning's StopIteration). */
  protected stopIteration(): void {
    this.#stopped = true;
  }

  /** Runs the loop: reset, then (unless skipped) the start hooks, advance until done, the end hooks. */
  async run(): Promise<R> {
    this.#stopped = false;
    try {
      await this.reset();
      if (this.skip) return this.skipped();
      await this.onRunStart();
      while (!this.done) {
        await this.advance();
        if (this.#stopped) break;
        await this.onAdvanceEnd();
      }
      return await this.onRunEnd();
    } finally {
      this.teardownRun();
    }
  }
}
