// DistributedSampler against the indices PyTorch's yields (scripts/fixtures/distributed_sampler.py), and the
// DataLoader that reads through it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { tensor } from "../../../src/torch/creation.js";
import { DataLoader } from "../../../src/torch/data/dataloader.js";
import { TensorDataset } from "../../../src/torch/data/dataset.js";
import {
  DistributedDataLoader,
  DistributedSampler,
  UnrepeatedDistributedSampler,
} from "../../../src/torch/data/distributed-sampler.js";
import { tidy } from "../../../src/torch/scope.js";

interface SamplerCase {
  n: number;
  world: number;
  rank: number;
  shuffle: boolean;
  drop_last: boolean;
  seed: number;
  epoch: number;
  length: number;
  indices: number[];
}

const cases = JSON.parse(
  readFileSync(new URL("../../fixtures/torch/distributed_sampler.json", import.meta.url), "utf8"),
) as SamplerCase[];

test("DistributedSampler yields PyTorch's indices (padding, drop_last, seed + epoch shuffles)", () => {
  assert.ok(cases.length > 100);
  for (const c of cases) {
    const sampler = new DistributedSampler(c.n, {
      num_replicas: c.world,
      rank: c.rank,
      shuffle: c.shuffle,
      seed: c.seed,
      drop_last: c.drop_last,
    });
    sampler.setEpoch(c.epoch);
    const label = JSON.stringify({ ...c, indices: undefined });
    assert.equal(sampler.length, c.length, label);
    assert.deepEqual([...sampler], c.indices, label);
  }
});

test("the ranks' shares cover the dataset and a new epoch reshuffles", () => {
  const shares = [0, 1, 2].map((rank) =>
    new DistributedSampler(9, { num_replicas: 3, rank, seed: 7 }).indices(),
  );
  assert.deepEqual(
    shares.flat().sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
  const s = new DistributedSampler(9, { num_replicas: 3, rank: 0, seed: 7 });
  const first = s.indices();
  s.setEpoch(1);
  assert.notDeepEqual(s.indices(), first);
});

test("a bad rank is refused with PyTorch's message", () => {
  assert.throws(() => new DistributedSampler(4, { num_replicas: 2, rank: 2 }), /Invalid rank 2.*\[0, 1\]/);
});

test("DistributedDataLoader batches the sampler's indices in order", () => {
  tidy(() => {
    const x = tensor([[0], [1], [2], [3], [4], [5], [6]], { dtype: "float32" });
    const loader = new DataLoader({ dataset: new TensorDataset(x), batch_size: 2 });
    const sampler = new DistributedSampler(7, { num_replicas: 2, rank: 1, shuffle: false });
    const dist = new DistributedDataLoader(loader, sampler);
    assert.equal(dist.length, 2);
    const seen = [...dist].map((b) => (b as unknown as [{ toArray(): number[][] }])[0].toArray().flat());
    assert.deepEqual(seen, [
      [1, 3],
      [5, 0],
    ]);
  });
});

test("UnrepeatedDistributedSampler gives each sample to one rank, without padding", () => {
  const shares = [0, 1, 2].map(
    (rank) => new UnrepeatedDistributedSampler(7, { num_replicas: 3, rank, shuffle: false }),
  );
  assert.deepEqual(
    shares.map((s) => s.indices()),
    [
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ],
  );
  assert.deepEqual(
    shares.map((s) => s.length),
    [3, 2, 2],
  );
  const shuffled = [0, 1].map((rank) =>
    new UnrepeatedDistributedSampler(5, { num_replicas: 2, rank, seed: 3 }).indices(),
  );
  assert.deepEqual(shuffled.flat().sort(), [0, 1, 2, 3, 4]);
});
