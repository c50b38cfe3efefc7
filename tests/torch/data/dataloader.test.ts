// DataLoader: batch shapes, drop_last, length, PyTorch's shuffle order for a seed (fixture from
// scripts/fixtures/make_data_fixtures.py), the one-index-op-per-tensor fast path, custom datasets with
// default collation, and no leaked tensors over an epoch.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { drawSeed, randpermWith } from "../../../src/torch/generator.js";
import * as torch from "../../../src/torch/index.js";

const { DataLoader, Dataset, randomSplit, TensorDataset } = torch.data;
const fixture = JSON.parse(readFileSync(new URL("../../fixtures/data/data.json", import.meta.url), "utf8"));
const loaders = fixture.dataloader;

/** The batches of one epoch as nested arrays (disposing each batch). */
function epoch(loader: Iterable<torch.Tensor[]>): number[][] {
  const out: number[][] = [];
  for (const batch of loader) {
    out.push(batch[0]!.toArray() as number[]);
    for (const t of batch) t.dispose();
  }
  return out;
}

function tenRows(): torch.Tensor {
  return torch.keep(torch.arange(10));
}

test("batches have batch_size rows, the last one smaller unless drop_last", () => {
  torch.tidy(() => {
    const x = torch.arange(0, 30).reshape([10, 3]).to("float32");
    const y = torch.arange(10);
    const ds = new TensorDataset(x, y);
    const loader = new DataLoader({ dataset: ds, batch_size: 4 });
    assert.equal(loader.length, 3);
    const shapes = [...loader].map((b) => b.map((t) => t.shape));
    assert.deepEqual(shapes, [
      [[4, 3], [4]],
      [[4, 3], [4]],
      [[2, 3], [2]],
    ]);
    const dropped = new DataLoader({ dataset: ds, batch_size: 4, drop_last: true });
    assert.equal(dropped.length, 2);
    assert.equal([...dropped].length, 2);
    const first = [...new DataLoader({ dataset: ds, batch_size: 4 })][0]!;
    assert.deepEqual(first[0]!.toArray(), [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ]);
    assert.equal(first[0]!.dtype, "float32");
    assert.equal(first[1]!.dtype, "int64");
    assert.equal(new DataLoader({ dataset: ds }).length, 10);
  });
});

for (const key of ["shuffle_seed0_b3", "shuffle_seed0_b3_drop_last"]) {
  test(`shuffled batches over two epochs equal PyTorch's (${key})`, () => {
    const x = tenRows();
    try {
      const g = new torch.Generator().manualSeed(0);
      const loader = new DataLoader({
        dataset: new TensorDataset(x),
        batch_size: 3,
        shuffle: true,
        generator: g,
        drop_last: key.endsWith("drop_last"),
      });
      assert.deepEqual([epoch(loader), epoch(loader)], loaders[key].epochs);
      // The generator advanced exactly as PyTorch's did.
      const next = torch.tidy(() => randpermWith(5, { generator: g }).toArray());
      assert.deepEqual(next, loaders[key].next_randperm5);
    } finally {
      x.dispose();
    }
  });
}

test("without a generator the shuffle and the global generator follow PyTorch's", () => {
  const x = tenRows();
  try {
    const c = loaders.shuffle_global_seed7_b4;
    torch.manualSeed(7);
    const loader = new DataLoader({ dataset: new TensorDataset(x), batch_size: 4, shuffle: true });
    assert.deepEqual([epoch(loader), epoch(loader)], c.epochs);
    assert.deepEqual(
      torch.tidy(() => torch.randperm(5).toArray()),
      c.next_randperm5,
    );
    const s = loaders.sequential_global_seed9_b4;
    torch.manualSeed(9);
    const sequential = new DataLoader({ dataset: new TensorDataset(x), batch_size: 4 });
    assert.deepEqual([epoch(sequential)], s.epochs);
    assert.deepEqual(
      torch.tidy(() => torch.randperm(5).toArray()),
      s.next_randperm5,
    );
  } finally {
    x.dispose();
  }
});

test("a Subset of a TensorDataset (from randomSplit) batches like PyTorch's", () => {
  const x = torch.keep(torch.tidy(() => torch.arange(20).mul(10)));
  try {
    const [train] = randomSplit(new TensorDataset(x), [12, 8], new torch.Generator().manualSeed(4));
    const loader = new DataLoader({
      dataset: train!,
      batch_size: 5,
      shuffle: true,
      generator: new torch.Generator().manualSeed(6),
    });
    assert.deepEqual([epoch(loader)], loaders.subset_split_seed4_shuffle_seed6_b5.epochs);
  } finally {
    x.dispose();
  }
});

test("a TensorDataset batch is one indexSelect per tensor, never sample by sample", () => {
  torch.tidy(() => {
    const ds = new TensorDataset(torch.rand([50, 4]), torch.arange(50), torch.zeros([50, 2, 2]));
    let getItems = 0;
    ds.getItem = () => {
      getItems++;
      return [];
    };
    const proto = torch.Tensor.prototype;
    const original = proto.indexSelect;
    let indexSelects = 0;
    proto.indexSelect = function (this: torch.Tensor, dim: number, index: torch.Tensor) {
      indexSelects++;
      return original.call(this, dim, index);
    };
    try {
      const loader = new DataLoader({ dataset: ds, batch_size: 16, shuffle: true });
      let batches = 0;
      for (const batch of loader) {
        batches++;
        assert.equal(batch.length, 3);
      }
      assert.equal(batches, 4);
      assert.equal(indexSelects, 4 * 3);
      assert.equal(getItems, 0);
    } finally {
      proto.indexSelect = original;
    }
  });
});

/** A custom dataset whose samples are objects mixing tensors, numbers, strings and arrays. */
class Points extends Dataset<{
  x: torch.Tensor;
  label: number;
  weight: number;
  name: string;
  pair: number[];
}> {
  getItem(i: number) {
    return {
      x: torch.full([2], i, { dtype: "float32" }),
      label: i % 3,
      weight: i + 0.5,
      name: `p${i}`,
      pair: [i, -i],
    };
  }
  get length(): number {
    return 5;
  }
}

test("custom datasets are collated like PyTorch's default_collate", () => {
  torch.tidy(() => {
    const batches = [...new DataLoader({ dataset: new Points(), batch_size: 2 })];
    assert.equal(batches.length, 3);
    const b = batches[0]!;
    assert.deepEqual(b.x.toArray(), [
      [0, 0],
      [1, 1],
    ]);
    assert.equal(b.label.dtype, "int64");
    assert.deepEqual(b.label.toArray(), [0, 1]);
    assert.equal(b.weight.dtype, "float64");
    assert.deepEqual(b.weight.toArray(), [0.5, 1.5]);
    assert.deepEqual(b.name, ["p0", "p1"]);
    assert.equal(b.pair.length, 2);
    assert.deepEqual(b.pair[1]!.toArray(), [0, -1]);
    assert.deepEqual(batches[2]!.x.shape, [1, 2]);
  });
});

test("collate_fn receives the list of samples", () => {
  torch.tidy(() => {
    const loader = new DataLoader({
      dataset: new Points(),
      batch_size: 3,
      collate_fn: (samples) => samples.map((s) => s.name).join(","),
    });
    assert.deepEqual([...loader], ["p0,p1,p2", "p3,p4"]);
  });
});

test("defaultCollate errors name the field and the mismatch", () => {
  torch.tidy(() => {
    const { defaultCollate } = torch.data;
    assert.throws(
      () => defaultCollate([torch.zeros([2]), torch.zeros([3])]),
      /stack expects each tensor to be equal size, but got \[2\] at sample 0 and \[3\] at sample 1/,
    );
    assert.throws(
      () => defaultCollate([{ a: [1, 2] }, { a: [1] }]),
      /batch\.a: each element in list of batch/,
    );
    assert.throws(() => defaultCollate([1, "a"]), /sample 1 is string but sample 0 is number/);
    assert.deepEqual(defaultCollate([true, false]).toArray(), [true, false]);
  });
});

/** Disposes every tensor in a batch (nested arrays and objects). */
function disposeAll(value: unknown): void {
  if (value instanceof torch.Tensor) value.dispose();
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) disposeAll(v);
}

test("no tensors leak over an epoch when the consumer disposes each batch", () => {
  const x = torch.keep(torch.rand([300, 8]));
  const y = torch.keep(torch.arange(300));
  try {
    const tensorLoader = new DataLoader({
      dataset: new TensorDataset(x, y),
      batch_size: 32,
      shuffle: true,
      generator: new torch.Generator().manualSeed(1),
    });
    const customLoader = new DataLoader({ dataset: new Points(), batch_size: 2, shuffle: true });
    for (const loader of [tensorLoader, customLoader] as Iterable<unknown>[]) {
      const before = torch.memoryStats().liveTensors;
      for (let e = 0; e < 2; e++) {
        for (const batch of loader) {
          disposeAll(batch);
          assert.ok(torch.memoryStats().liveTensors <= before + 1);
        }
      }
      assert.equal(torch.memoryStats().liveTensors, before);
    }
  } finally {
    x.dispose();
    y.dispose();
  }
});

test("breaking out of an epoch early leaks nothing", () => {
  const x = torch.keep(torch.rand([100, 3]));
  try {
    const loader = new DataLoader({ dataset: new TensorDataset(x), batch_size: 10, shuffle: true });
    const before = torch.memoryStats().liveTensors;
    for (const batch of loader) {
      for (const t of batch) t.dispose();
      break;
    }
    assert.equal(torch.memoryStats().liveTensors, before);
  } finally {
    x.dispose();
  }
});

test("bad options and datasets give clear errors", () => {
  torch.tidy(() => {
    const ds = new TensorDataset(torch.zeros([4]));
    assert.throws(
      () => new DataLoader({ dataset: ds, batch_size: 0 }),
      /batch_size should be a positive integer value, but got batch_size=0/,
    );
    assert.throws(
      () => new TensorDataset(torch.zeros([4]), torch.zeros([5])),
      /Size mismatch between tensors.*\[4, 5\]/,
    );
  });
});

test("Subsets of Subsets, shuffled: batch rows are rows[randperm] sliced natively, in PyTorch's order", () => {
  const x = torch.keep(torch.arange(0, 40).reshape([20, 2]));
  try {
    const inner = new torch.data.Subset(new TensorDataset(x), [19, 3, 5, 7, 11, 13, 0, 2, 4, 6, 8, 10]);
    const outer = new torch.data.Subset(inner, [11, 0, 4, 2, 9, 7, 1]);
    const rows = outer.indices.map((i) => inner.indices[i]!);
    const loader = new DataLoader({
      dataset: outer,
      batch_size: 3,
      shuffle: true,
      generator: new torch.Generator().manualSeed(9),
    });
    // the loader draws a base seed, then randperm(n), from its generator (as PyTorch's DataLoader does)
    const g = new torch.Generator().manualSeed(9);
    drawSeed(g);
    const perm = randpermWith(rows.length, { generator: g });
    const want = (perm.toArray() as number[]).map((k) => [2 * rows[k]!, 2 * rows[k]! + 1]);
    perm.dispose();
    const got = epoch(loader).flat();
    assert.deepEqual(got, want);
  } finally {
    x.dispose();
  }
});

test("an epoch started inside a consumer's tidy scope keeps its row order after that scope ends", () => {
  const x = torch.keep(torch.arange(10));
  try {
    const it = new DataLoader({ dataset: new TensorDataset(x), batch_size: 4 })[Symbol.iterator]();
    const first = torch.tidy(() => (it.next().value as torch.Tensor[])[0]!.toArray());
    const rest: unknown[] = [];
    for (let r = it.next(); !r.done; r = it.next()) {
      rest.push(r.value[0]!.toArray());
      for (const t of r.value) t.dispose();
    }
    assert.deepEqual(
      [first, ...rest],
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ],
    );
  } finally {
    x.dispose();
  }
});
