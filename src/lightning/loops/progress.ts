// Loop progress counters (Lightning's _Progress trackers), saved under `loops` in checkpoints with the exact
// keys Lightning 2.6 writes, and restored on resume.
import type { EvalProgress } from "./evaluation-loop.js";

/** ready/started/processed/completed counts. */
export interface Counts4 {
  ready: number;
  started: number;
  processed: number;
  completed: number;
}

const c4 = (): Counts4 => ({ ready: 0, started: 0, processed: 0, completed: 0 });
const c2 = () => ({ ready: 0, completed: 0 });
const c3 = () => ({ ready: 0, started: 0, completed: 0 });

/** The fit loop's counters. */
export class FitProgress {
  epoch = { total: c4(), current: c4() };
  batch = { total: c4(), current: c4(), isLastBatch: false };
  scheduler = { total: c2(), current: c2() };
  optimStep = { total: c2(), current: c2() };
  zeroGrad = { total: c3(), current: c3() };
  /** Optimizer steps as loggers count them (Lightning's `_batches_that_stepped`). */
  batchesThatStepped = 0;

  /** Resets the per-epoch ("current") batch, optimizer and scheduler counters. */
  startEpoch(): void {
    this.batch.current = c4();
    this.batch.isLastBatch = false;
    this.optimStep.current = c2();
    this.zeroGrad.current = c3();
    this.scheduler.current = c2();
  }

  /**
   * Prepares to continue an epoch that a mid-epoch checkpoint interrupted: the checkpoint was written in
   * on_train_batch_end, after the optimizer step, so every processed batch counts as done.
   */
  resumeMidEpoch(): void {
    const stepped = this.batch.current.completed < this.batch.current.processed;
    for (const c of [this.batch.current, this.batch.total]) {
      c.ready = c.processed;
      c.started = c.processed;
      c.completed = c.processed;
    }
    // _batches_that_stepped is increased after on_train_batch_end, i.e. after the checkpoint was written.
    if (stepped) this.batchesThatStepped += 1;
  }

  /** The `loops` entry of a checkpoint, keyed like Lightning 2.6. */
  stateDict(
    val: EvalProgress,
    validate: EvalProgress,
    test: EvalProgress,
    predict: EvalProgress,
  ): Record<string, unknown> {
    const counts4 = (c: Counts4) => ({
      ready: c.ready,
      completed: c.completed,
      started: c.started,
      processed: c.processed,
    });
    const batchProgress = (p: { total: Counts4; current: Counts4; isLastBatch: boolean }) => ({
      total: counts4(p.total),
      current: counts4(p.current),
      is_last_batch: p.isLastBatch,
    });
    return {
      fit_loop: {
        state_dict: {},
        "epoch_loop.state_dict": { _batches_that_stepped: this.batchesThatStepped },
        "epoch_loop.batch_progress": batchProgress(this.batch),
        "epoch_loop.scheduler_progress": {
          total: { ...this.scheduler.total },
          current: { ...this.scheduler.current },
        },
        "epoch_loop.automatic_optimization.state_dict": {},
        "epoch_loop.automatic_optimization.optim_progress": {
          optimizer: {
            step: { total: { ...this.optimStep.total }, current: { ...this.optimStep.current } },
            zero_grad: {
              total: {
                ready: this.zeroGrad.total.ready,
                completed: this.zeroGrad.total.completed,
                started: this.zeroGrad.total.started,
              },
              current: {
                ready: this.zeroGrad.current.ready,
                completed: this.zeroGrad.current.completed,
                started: this.zeroGrad.current.started,
              },
            },
          },
        },
        "epoch_loop.manual_optimization.state_dict": {},
        "epoch_loop.manual_optimization.optim_step_progress": { total: c2(), current: c2() },
        "epoch_loop.val_loop.state_dict": {},
        "epoch_loop.val_loop.batch_progress": batchProgress(val),
        epoch_progress: { total: counts4(this.epoch.total), current: counts4(this.epoch.current) },
      },
      validate_loop: { state_dict: {}, batch_progress: batchProgress(validate) },
      test_loop: { state_dict: {}, batch_progress: batchProgress(test) },
      predict_loop: {
        state_dict: {},
        batch_progress: { total: counts4(predict.total), current: counts4(predict.current) },
      },
    };
  }

  /** Restores the fit loop's counters from a checkpoint's `loops` (missing keys keep their zeros). */
  load(loops: unknown, where: string): void {
    const fit = get(loops, "fit_loop");
    if (fit === undefined)
      throw new Error(`${where}: the checkpoint has no loops.fit_loop state; it cannot resume fitting.`);
    const num = (v: unknown) => (typeof v === "number" ? v : Number(v ?? 0));
    const read4 = (src: unknown, dst: Counts4) => {
      for (const k of ["ready", "started", "processed", "completed"] as const) dst[k] = num(get(src, k));
    };
    const epoch = get(fit, "epoch_progress");
    read4(get(epoch, "total"), this.epoch.total);
    read4(get(epoch, "current"), this.epoch.current);
    const batch = get(fit, "epoch_loop.batch_progress");
    read4(get(batch, "total"), this.batch.total);
    read4(get(batch, "current"), this.batch.current);
    this.batch.isLastBatch = get(batch, "is_last_batch") === true;
    const optim = get(get(get(fit, "epoch_loop.automatic_optimization.optim_progress"), "optimizer"), "step");
    this.optimStep.total = {
      ready: num(get(get(optim, "total"), "ready")),
      completed: num(get(get(optim, "total"), "completed")),
    };
    this.optimStep.current = {
      ready: num(get(get(optim, "current"), "ready")),
      completed: num(get(get(optim, "current"), "completed")),
    };
    const sched = get(fit, "epoch_loop.scheduler_progress");
    this.scheduler.total = {
      ready: num(get(get(sched, "total"), "ready")),
      completed: num(get(get(sched, "total"), "completed")),
    };
    this.batchesThatStepped = num(get(get(fit, "epoch_loop.state_dict"), "_batches_that_stepped"));
  }
}

function get(value: unknown, key: string): unknown {
  if (value instanceof Map) return value.get(key);
  if (value !== null && typeof value === "object") return (value as Record<string, unknown>)[key];
  return undefined;
}
