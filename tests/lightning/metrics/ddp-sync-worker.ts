// One rank of the metric-sync test (ddp-sync.test.ts starts two): each rank updates its metrics with its own
// data, then prints compute() (synced across ranks) and its local state (left untouched) as one JSON line.
import {
  MaxMetric,
  MeanMetric,
  MinMetric,
  MulticlassAccuracy,
  SumMetric,
} from "../../../src/lightning/metrics/index.js";
import { tensor } from "../../../src/torch/creation.js";
import { getRank, initProcessGroup } from "../../../src/torch/distributed/index.js";

await initProcessGroup({ backend: "gloo", timeout: 20_000 });
const rank = getRank();
const mean = new MeanMetric();
const sum = new SumMetric();
const max = new MaxMetric();
const min = new MinMetric();
const acc = new MulticlassAccuracy({ num_classes: 3, average: "micro" });
const macro = new MulticlassAccuracy({ num_classes: 3, average: "macro" });
// rank 0: values 1, 2 (weights 1, 3); rank 1: value 10 (weight 1)
if (rank === 0) {
  mean.update(1, 1);
  mean.update(2, 3);
  for (const m of [sum, max, min]) m.update(tensor([1, 2], { dtype: "float32" }));
  acc.update(tensor([0, 1, 2, 2]), tensor([0, 1, 1, 2]));
  macro.update(tensor([0, 1, 2, 2]), tensor([0, 1, 1, 2]));
} else {
  mean.update(10, 1);
  for (const m of [sum, max, min]) m.update(tensor([10], { dtype: "float32" }));
  acc.update(tensor([0, 0]), tensor([1, 0]));
  macro.update(tensor([0, 0]), tensor([1, 0]));
}
const num = (m: { compute(): { item(): number | bigint | boolean } }) => Number(m.compute().item());
const out = {
  rank,
  mean: num(mean),
  sum: num(sum),
  max: num(max),
  min: num(min),
  acc: num(acc),
  macro: num(macro),
  // compute() again after another local update must use fresh (synced) states, and local states stay local
  meanAfter: (() => {
    mean.update(rank === 0 ? 4 : 6, 1);
    return num(mean);
  })(),
};
mean.syncOnCompute = false;
mean.update(0, 0);
const local = num(mean);
console.log(JSON.stringify({ ...out, local }));
