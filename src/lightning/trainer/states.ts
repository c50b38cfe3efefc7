// The Trainer's states (Lightning's trainer/states.py): which entry point runs, which loop runs now, and how the
// run ended. Every module that names an entry point or a stage takes the union from here.

/** A Trainer entry point (Lightning's TrainerFn); also the `stage` argument of setup/teardown hooks. */
export type TrainerFn = "fit" | "validate" | "test" | "predict";

/** The loop running now (Lightning's RunningStage). */
export type RunningStage = "train" | "sanity_check" | "validate" | "test" | "predict";

/** How the current or last entry point stands (Lightning's TrainerStatus). */
export type TrainerStatus = "initializing" | "running" | "finished" | "interrupted";

/** The dataloader a loop reads, named as `limit_<stage>_batches` and `<stage>Dataloader()` name it. */
export type LoaderStage = "train" | "val" | "test" | "predict";

/** Lightning's trainer.state: the entry point running and the loop running now. */
export interface TrainerState {
  fn: TrainerFn | null;
  stage: RunningStage | null;
  status: TrainerStatus;
}
