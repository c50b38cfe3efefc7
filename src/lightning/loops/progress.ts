// Progress trackers (Lightning's loops/progress.py): how many events (epochs, batches, optimizer steps, ...)
// are ready, started, processed and completed, in total and in the current run. Loops move them only through
// the increment methods, in that order; the gaps between the counts are what tells a resumed fit where the
// checkpoint was written. stateDict() writes Lightning 2.6's keys in its order.

/** Reads `key` of a checkpoint value (a plain object, or a Map as torch.load may give). */
export function stateGet(value: unknown, key: string): unknown {
  if (value instanceof Map) return value.get(key);
  if (value !== null && typeof value === "object") return (value as Record<string, unknown>)[key];
  return undefined;
}

/** A saved count as a number (missing counts read as 0, as in older checkpoints). */
function count(state: unknown, key: string): number {
  const v = stateGet(state, key);
  return typeof v === "number" ? v : Number(v ?? 0);
}

/** Events that are ready, then completed (Lightning's _ReadyCompletedTracker). */
export class ReadyCompletedTracker {
  ready = 0;
  completed = 0;

  /** Zeroes every count. */
  reset(): void {
    this.ready = 0;
    this.completed = 0;
  }
  /** Adds `n` ready and completed events at once. */
  incrementBy(n: number): void {
    this.ready += n;
    this.completed += n;
  }
  stateDict(): Record<string, number> {
    return { ready: this.ready, completed: this.completed };
  }
  loadStateDict(state: unknown): void {
    this.ready = count(state, "ready");
    this.completed = count(state, "completed");
  }
}

/** Adds `started` (Lightning's _StartedTracker). */
export class StartedTracker extends ReadyCompletedTracker {
  started = 0;

  override reset(): void {
    super.reset();
    this.started = 0;
  }
  override incrementBy(n: number): void {
    super.incrementBy(n);
    this.started += n;
  }
  override stateDict(): Record<string, number> {
    return { ...super.stateDict(), started: this.started };
  }
  override loadStateDict(state: unknown): void {
    super.loadStateDict(state);
    this.started = count(state, "started");
  }
}

/** Adds `processed` (Lightning's _ProcessedTracker). */
export class ProcessedTracker extends StartedTracker {
  processed = 0;

  override reset(): void {
    super.reset();
    this.processed = 0;
  }
  override incrementBy(n: number): void {
    super.incrementBy(n);
    this.processed += n;
  }
  override stateDict(): Record<string, number> {
    return { ...super.stateDict(), processed: this.processed };
  }
  override loadStateDict(state: unknown): void {
    super.loadStateDict(state);
    this.processed = count(state, "processed");
  }
}

/** Total and current-run counts of one kind of event (Lightning's _Progress). */
export class Progress<T extends ReadyCompletedTracker = ProcessedTracker> {
  constructor(
    readonly total: T,
    readonly current: T,
  ) {}

  /** Counts of ready/started/processed/completed events. */
  static processed(): Progress<ProcessedTracker> {
    return new Progress(new ProcessedTracker(), new ProcessedTracker());
  }
  /** Counts of ready/started/completed events. */
  static started(): Progress<StartedTracker> {
    return new Progress(new StartedTracker(), new StartedTracker());
  }
  /** Counts of ready/completed events. */
  static readyCompleted(): Progress<ReadyCompletedTracker> {
    return new Progress(new ReadyCompletedTracker(), new ReadyCompletedTracker());
  }

  incrementReady(): void {
    this.total.ready++;
    this.current.ready++;
  }
  incrementStarted(this: Progress<StartedTracker>): void {
    this.total.started++;
    this.current.started++;
  }
  incrementProcessed(this: Progress<ProcessedTracker>): void {
    this.total.processed++;
    this.current.processed++;
  }
  incrementCompleted(): void {
    this.total.completed++;
    this.current.completed++;
  }
  /** Adds `n` fully done events (ready and completed together). */
  incrementBy(n: number): void {
    this.total.incrementBy(n);
    this.current.incrementBy(n);
  }
  /** Zeroes the total and current counts. */
  reset(): void {
    this.total.reset();
    this.current.reset();
  }
  /** Zeroes the current-run counts (a new epoch, a new evaluation run). */
  resetOnRun(): void {
    this.current.reset();
  }
  stateDict(): Record<string, unknown> {
    return { total: this.total.stateDict(), current: this.current.stateDict() };
  }
  loadStateDict(state: unknown): void {
    this.total.loadStateDict(stateGet(state, "total"));
    this.current.loadStateDict(stateGet(state, "current"));
  }
}

/** Batches of a loop, and whether the last fetched one was the loader's last (Lightning's _BatchProgress). */
export class BatchProgress extends Progress<ProcessedTracker> {
  isLastBatch = false;

  constructor() {
    super(new ProcessedTracker(), new ProcessedTracker());
  }
  override reset(): void {
    super.reset();
    this.isLastBatch = false;
  }
  override resetOnRun(): void {
    super.resetOnRun();
    this.isLastBatch = false;
  }
  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), is_last_batch: this.isLastBatch };
  }
  override loadStateDict(state: unknown): void {
    super.loadStateDict(state);
    this.isLastBatch = stateGet(state, "is_last_batch") === true;
  }
}

/** optimizer.step() and zero_grad() calls (Lightning's _OptimizerProgress). */
export class OptimizerProgress {
  readonly step = Progress.readyCompleted();
  readonly zeroGrad = Progress.started();

  resetOnRun(): void {
    this.step.resetOnRun();
    this.zeroGrad.resetOnRun();
  }
  stateDict(): Record<string, unknown> {
    return { step: this.step.stateDict(), zero_grad: this.zeroGrad.stateDict() };
  }
}

/** The optimization's progress (Lightning's _OptimizationProgress). */
export class OptimizationProgress {
  readonly optimizer = new OptimizerProgress();

  /** Optimizer steps taken (trainer.globalStep under automatic optimization). */
  get optimizerSteps(): number {
    return this.optimizer.step.total.completed;
  }
  resetOnRun(): void {
    this.optimizer.resetOnRun();
  }
  stateDict(): Record<string, unknown> {
    return { optimizer: this.optimizer.stateDict() };
  }
}

/** Anything a loop saves under its own key in the checkpoint's `loops`. */
export type Tracker = Progress<ReadyCompletedTracker> | OptimizationProgress;
