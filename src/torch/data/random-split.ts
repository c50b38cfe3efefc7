// randomSplit: PyTorch's torch.utils.data.random_split, with the same lengths arithmetic and the same
// permutation (randperm over the whole dataset from the given generator), so a seed splits identically.
import { type Generator, randpermWith } from "../generator.js";
import { type Dataset, Subset } from "./dataset.js";

/**
 * Splits `dataset` into non-overlapping Subsets of the given lengths, or of fractions summing to 1 (each
 * floor(fraction * length), the remainder given out one by one round-robin from the first split). Indices come
 * from `randperm(total, generator)`; without a generator the global one is used, as in PyTorch.
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  generator?: Generator,
): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = pySum(sizes);
  if (isClose(total, 1) && total <= 1) sizes = fractionsToLengths(sizes, n);
  if (pySum(sizes) !== n) {
    throw new RangeError(
      "Sum of input lengths does not equal the length of the input dataset! " +
        `(lengths [${sizes.join(", ")}] sum to ${pySum(sizes)}, the dataset has ${n} samples)`,
    );
  }
  sizes.forEach((len, i) => {
    if (!Number.isInteger(len) || len < 0) {
      throw new RangeError(
        `randomSplit: length at index ${i} is ${len}; give non-negative integer lengths summing to the ` +
          `dataset's ${n} samples, or fractions summing to 1`,
      );
    }
  });
  const perm = randpermWith(n, { generator });
  let indices: number[];
  try {
    indices = Array.from(perm.toTypedArray() as BigInt64Array, Number);
  } finally {
    perm.dispose();
  }
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const len of sizes) {
    out.push(new Subset(dataset, indices.slice(offset, offset + len)));
    offset += len;
  }
  return out;
}

function fractionsToLengths(fractions: number[], n: number): number[] {
  const sizes = fractions.map((frac, i) => {
    if (frac < 0 || frac > 1) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
    return Math.floor(n * frac);
  });
  const remainder = n - pySum(sizes);
  for (let i = 0; i < remainder; i++) sizes[i % sizes.length]! += 1;
  sizes.forEach((len, i) => {
    if (len === 0) {
      process.emitWarning(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    }
  });
  return sizes;
}

// Python's sum(): left to right, so float fractions add up exactly as they do in PyTorch.
function pySum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

// math.isclose(a, b) with its defaults (rel_tol=1e-9, abs_tol=0).
function isClose(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
