// Lightning's SLURM auto-requeue (its signal connector's SIGUSR1 handler): SLURM sends SIGUSR1 some time
// before a job's end when it was submitted with `--signal=SIGUSR1@<seconds>`. The trainer then saves an "hpc"
// checkpoint (default_root_dir/hpc_ckpt_<n>.ckpt) and global rank 0 runs `scontrol requeue <job id>`; the
// requeued job's fit resumes from that file (ckpt-path.ts). Node runs a signal listener from the event loop,
// so the listener only records the signal and the training loop handles it between two steps. With several
// ranks they agree first (a rank whose signal came a step later must still save at the same step).
import { emitInfo, emitWarning } from "../../callbacks/messages.js";
import { detectClusterEnvironment, isSlurmLaunched, requeueSlurmJob } from "../../environments/index.js";
import { hpcSavePath } from "./ckpt-path.js";

/** What the connector needs from the trainer. */
export interface RequeueHost {
  readonly defaultRootDir: string;
  readonly isGlobalZero: boolean;
  readonly strategy: {
    readonly isDistributed: boolean;
    reduceBooleanDecision(decision: boolean, all?: boolean): boolean;
  };
  saveCheckpoint(filepath: string): Promise<void>;
}

/** Listens for SLURM's requeue signal during a fit and handles it between steps. */
export class RequeueConnector {
  #received = false;
  #listener: (() => void) | null = null;

  /** Starts listening for SIGUSR1 when SLURM started this process (Lightning's auto_requeue). */
  install(): void {
    if (this.#listener !== null || !isSlurmLaunched(process.env)) return;
    this.#received = false;
    this.#listener = () => {
      this.#received = true;
    };
    process.on("SIGUSR1", this.#listener);
  }

  uninstall(): void {
    if (this.#listener !== null) process.off("SIGUSR1", this.#listener);
    this.#listener = null;
  }

  /** Between two training steps: saves the hpc checkpoint and requeues the job if SIGUSR1 came. */
  async handle(host: RequeueHost): Promise<void> {
    if (this.#listener === null) return;
    const received = host.strategy.isDistributed
      ? host.strategy.reduceBooleanDecision(this.#received, false)
      : this.#received;
    if (!received) return;
    this.#received = false;
    emitInfo("Handling auto-requeue signal: 10");
    const path = hpcSavePath(host.defaultRootDir);
    await host.saveCheckpoint(path);
    if (!host.isGlobalZero) return;
    const result = requeueSlurmJob(detectClusterEnvironment(process.env));
    if (result.code === 0) emitInfo(`Saved ${path}. ${result.message}`);
    else emitWarning(result.message);
  }
}
