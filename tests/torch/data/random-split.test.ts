// randomSplit: PyTorch's lengths arithmetic and permutation (fixture from scripts/fixtures/make_data_fixtures.py)
// and its errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";

const { Dataset, randomSplit, Subset } = torch.data;
const fixture = JSON.parse(readFileSync(new URL("../../fixtures/data/data.json", import.meta.url), "utf8"));

/** range(n) as a dataset (what the fixture splits in Python). */
class Range extends Dataset<number> {
  constructor(readonly n: number) {
    super();
  }
  getItem(i: number): number {
    return i;
  }
  get length(): number {
    return this.n;
  }
}

for (const c of fixture.random_split.cases) {
  test(`randomSplit(range(${c.n}), [${c.lengths}]) with seed ${c.seed} gives PyTorch's indices`, () => {
    const parts = randomSplit(new Range(c.n), c.lengths, new torch.Generator().manualSeed(c.seed));
    assert.deepEqual(
      parts.map((p) => [...p.indices]),
      c.indices,
    );
    for (const p of parts) assert.ok(p instanceof Subset);
  });
}

test("randomSplit without a generator draws from the global generator, as PyTorch does", () => {
  const g = fixture.random_split.global;
  torch.manualSeed(g.manual_seed);
  const parts = randomSplit(new Range(g.n), g.lengths);
  assert.deepEqual(
    parts.map((p) => [...p.indices]),
    g.indices,
  );
});

test("subsets read through to the dataset and have the split lengths", () => {
  const [a, b] = randomSplit(new Range(10), [0.3, 0.7], new torch.Generator().manualSeed(42));
  assert.equal(a!.length, 3);
  assert.equal(b!.length, 7);
  assert.equal(a!.getItem(0), a!.indices[0]);
  assert.equal(b!.getItem(-1), b!.indices[6]);
  const all = [...a!.indices, ...b!.indices].sort((x, y) => x - y);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("randomSplit errors: lengths that do not sum to the dataset, bad fractions, negative lengths", () => {
  assert.throws(
    () => randomSplit(new Range(10), [3, 8]),
    /^RangeError: Sum of input lengths does not equal the length of the input dataset!/,
  );
  assert.throws(() => randomSplit(new Range(10), [1.2, -0.2]), /Fraction at index 0 is not between 0 and 1/);
  assert.throws(
    () => randomSplit(new Range(10), [0.5, 1.5, -1.0]),
    /Fraction at index 1 is not between 0 and 1/,
  );
  assert.throws(() => randomSplit(new Range(10), [0.5, 0.4]), /Sum of input lengths does not equal/);
  assert.throws(() => randomSplit(new Range(10), [-2, 12]), /length at index 0 is -2/);
});

test("a split of length 0 warns as PyTorch does", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const parts = randomSplit(new Range(3), [0.1, 0.9], new torch.Generator().manualSeed(0));
    assert.deepEqual(
      parts.map((p) => p.length),
      [1, 2],
    );
    randomSplit(new Range(2), [0.0, 1.0]);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", onWarning);
  }
  assert.ok(
    warnings.some((m) => m === "Length of split at index 0 is 0. This might result in an empty dataset."),
  );
});
