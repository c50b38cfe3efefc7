/**
 * The train/val/test split sizes: integer sizes summing to the dataset size, or fractions summing to 1. The
 * bundled digits (10,000) cannot give the full dataset's 70,000: a split summing to 70,000 is then scaled to
 * the same proportions (largest remainders), and the note says so.
 */

/** The lengths to pass to randomSplit, and a note when they were scaled. */
export function resolveSplit(
  split: readonly number[],
  total: number,
  scaleToFit: boolean,
): { lengths: number[]; note: string | null } {
  const values = split.map(Number);
  if (values.length !== 3 || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new RangeError(
      `data.train_val_test_split must be three non-negative sizes (or fractions), got [${split.join(", ")}]`,
    );
  }
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) < 1e-9 && values.every((v) => v <= 1)) return { lengths: values, note: null };
  if (sum === total) return { lengths: values, note: null };
  if (scaleToFit && values.every(Number.isInteger)) {
    const exact = values.map((v) => (v * total) / sum);
    const lengths = exact.map(Math.floor);
    const order = exact.map((v, i) => [v - Math.floor(v), i] as const).sort((a, b) => b[0] - a[0]);
    const remainder = total - lengths.reduce((a, b) => a + b, 0);
    for (let k = 0; k < remainder; k++) lengths[order[k]![1]]! += 1;
    return {
      lengths,
      note:
        `The split [${values.join(", ")}] (${sum} images) was scaled to [${lengths.join(", ")}] ` +
        `to fit the ${total} images available.`,
    };
  }
  throw new RangeError(
    `data.train_val_test_split [${values.join(", ")}] sums to ${sum}, but the dataset has ${total} images: ` +
      `give sizes that sum to ${total}, or fractions that sum to 1 (e.g. [0.8, 0.1, 0.1]).`,
  );
}
