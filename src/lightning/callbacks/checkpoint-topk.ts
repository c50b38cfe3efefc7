/**
 * ModelCheckpoint's top-k bookkeeping (Lightning's best_k_models, kth_best_model_path, kth_value,
 * best_model_path, best_model_score, current_score): which scores enter the top k, which path drops out,
 * and the saved form of all of it (scores as 0-d float32 tensors, as Lightning stores them).
 */
import { pickBy } from "./checkpoint-rules.js";
import { f32, scalarTensor, scalarValue } from "./scalar-state.js";

/** The top-k checkpoints by score, for a "min" or "max" monitor. */
export class TopKScores {
  currentScore: number | null = null;
  bestModelPath = "";
  bestModelScore: number | null = null;
  kthBestModelPath = "";
  kthValue: number;
  /** Saved paths and their scores, in insertion order (Python dict order). */
  readonly models = new Map<string, number>();

  constructor(readonly mode: "min" | "max") {
    this.kthValue = mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Lightning's check_monitor_top_k: whether `current` earns a place among `saveTopK` (-1: all). */
  accepts(current: number | undefined, saveTopK: number): boolean {
    if (current === undefined) return false;
    if (saveTopK === -1 || this.models.size < saveTopK) return true;
    const kth = this.models.get(this.kthBestModelPath)!;
    return this.mode === "min" ? current < kth : current > kth;
  }

  /** Takes the k-th best out when the top k is full; returns k and the path whose file is to be deleted. */
  makeRoom(saveTopK: number): { k: number; delFilepath: string | null } {
    const k = saveTopK === -1 ? this.models.size + 1 : saveTopK;
    if (this.models.size === k && k > 0) {
      const delFilepath = this.kthBestModelPath;
      this.models.delete(delFilepath);
      return { k, delFilepath };
    }
    return { k, delFilepath: null };
  }

  /** Records a saved checkpoint's score (NaN becomes the worst value) and updates kth and best. */
  record(filepath: string, current: number, k: number): number {
    const score = Number.isNaN(current) ? (this.mode === "min" ? Infinity : -Infinity) : f32(current);
    this.currentScore = score;
    this.models.set(filepath, score);
    if (this.models.size === k) {
      this.kthBestModelPath = pickBy(this.models, this.mode === "min" ? "max" : "min");
      this.kthValue = this.models.get(this.kthBestModelPath)!;
    }
    this.bestModelPath = pickBy(this.models, this.mode);
    this.bestModelScore = this.models.get(this.bestModelPath)!;
    return score;
  }

  /** The score entries of ModelCheckpoint's state dict. */
  toState(): {
    best_model_score: unknown;
    best_model_path: string;
    current_score: unknown;
    best_k_models: Record<string, unknown>;
    kth_best_model_path: string;
    kth_value: unknown;
  } {
    const scores: Record<string, unknown> = {};
    for (const [path, score] of this.models) scores[path] = scalarTensor(score);
    return {
      best_model_score: this.bestModelScore === null ? null : scalarTensor(this.bestModelScore),
      best_model_path: this.bestModelPath,
      current_score: this.currentScore === null ? null : scalarTensor(this.currentScore),
      best_k_models: scores,
      kth_best_model_path: this.kthBestModelPath,
      kth_value: scalarTensor(this.kthValue),
    };
  }

  /** Restores the scores from a state dict (Lightning restores them only when dirpath is unchanged). */
  load(state: Record<string, unknown>): void {
    this.bestModelScore = scalarValue(state.best_model_score);
    if (typeof state.kth_best_model_path === "string") this.kthBestModelPath = state.kth_best_model_path;
    if (state.kth_value !== undefined) this.kthValue = scalarValue(state.kth_value) ?? this.kthValue;
    const saved = state.best_k_models;
    if (saved !== undefined && saved !== null) {
      this.models.clear();
      const entries =
        saved instanceof Map ? [...saved.entries()] : Object.entries(saved as Record<string, unknown>);
      for (const [path, score] of entries) this.models.set(String(path), scalarValue(score) ?? Number.NaN);
    }
  }
}
