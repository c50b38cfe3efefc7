// One rank of the DDP tests (ddp.test.ts starts two): joins the group from the environment, runs one scenario
// and prints what it got as one JSON line. Each rank feeds its own data; what the test compares is computed
// by every rank from both ranks' data (the inputs are deterministic), so no rank needs the other's output.
import { noGrad } from "../../../src/torch/autograd.js";
import { randn, tensor } from "../../../src/torch/creation.js";
import {
  allReduce,
  broadcast,
  DistributedDataParallel,
  destroyProcessGroup,
  getRank,
  initProcessGroup,
} from "../../../src/torch/distributed/index.js";
import { BatchNorm1d, Linear, Module, SyncBatchNorm } from "../../../src/torch/nn/index.js";
import { manualSeed } from "../../../src/torch/runtime.js";
import "../../../src/torch/ops/math.js";
import "../../../src/torch/ops/reduce.js";
import type { Tensor } from "../../../src/torch/tensor.js";

const scenario = process.env.SCENARIO ?? "ddp";
await initProcessGroup({ backend: "gloo", timeout: 20_000 });
const rank = getRank();
const out: Record<string, unknown> = { rank };

class Net extends Module {
  a = new Linear(4, 8);
  b = new Linear(8, 3);
  unused = new Linear(3, 3);
  constructor(readonly skipUnused: boolean) {
    super();
  }
  override forward(x: Tensor): Tensor {
    const h = this.b.call(this.a.call(x).relu());
    return this.skipUnused ? h : this.unused.call(h);
  }
}

function batch(r: number, step: number): Tensor {
  manualSeed(1000 + 10 * step + r);
  return randn([5, 4]);
}

function grads(m: Module): number[][] {
  return m
    .parameters()
    .map((p) => (p.grad === null ? [] : Array.from(p.grad.toTypedArray() as Float32Array)));
}

try {
  if (scenario === "ddp") {
    // Reducer gradients against the mean of both ranks' gradients computed locally, over three steps
    // (the buckets are rebuilt after the first), for each option.
    const options = JSON.parse(process.env.DDP_OPTIONS ?? "{}");
    const skipUnused = options.find_unused_parameters === true;
    manualSeed(rank + 1); // different initial weights: DDP must copy rank 0's
    const model = new Net(skipUnused);
    manualSeed(1);
    const reference = new Net(skipUnused); // rank 0's initial weights, on every rank
    const ddp = new DistributedDataParallel(model, options);
    const steps: unknown[] = [];
    for (let step = 0; step < 3; step++) {
      model.zeroGrad({ setToNone: true });
      const loss = ddp.run(() => model.call(batch(rank, step)).pow(2).mean(), "train");
      loss.backward();
      const expected: number[][] = reference.parameters().map(() => []);
      for (const r of [0, 1]) {
        reference.zeroGrad({ setToNone: true });
        reference.call(batch(r, step)).pow(2).mean().backward();
        reference.parameters().forEach((p, i) => {
          const g = p.grad === null ? [] : Array.from(p.grad.toTypedArray() as Float32Array);
          expected[i] =
            expected[i]!.length === 0 ? g.map((v) => v / 2) : expected[i]!.map((v, k) => v + g[k]! / 2);
        });
      }
      steps.push({ got: grads(model), expected });
      noGrad(() => {
        for (const [p, q] of model.parameters().map((p, i) => [p, reference.parameters()[i]!] as const)) {
          if (p.grad !== null) p.sub_(p.grad.mul(0.1));
          q.copy_(p);
        }
      });
    }
    out.steps = steps;
    ddp.dispose();
  } else if (scenario === "nosync") {
    // Two accumulated backwards under noSync, then one reduced: the gradient is the mean of each rank's sum.
    manualSeed(1);
    const model = new Net(false);
    const ddp = new DistributedDataParallel(model);
    ddp.noSync(() => ddp.run(() => model.call(batch(rank, 0)).sum(), "train").backward());
    const local = grads(model);
    ddp.run(() => model.call(batch(rank, 1)).sum(), "train").backward();
    out.local = local;
    out.final = grads(model);
    ddp.dispose();
  } else if (scenario === "mismatch") {
    // Rank 0 reduces a float64 decision where rank 1 reduces two float32 values: an error on both ranks.
    if (rank === 0) allReduce(tensor([1], { dtype: "float64" }), "sum", "stopping decision");
    else allReduce(tensor([1, 2], { dtype: "float32" }), "sum", "logged values");
  } else if (scenario === "mismatch-kind") {
    if (rank === 0) broadcast(tensor([1, 2, 3, 4], { dtype: "float32" }), 0, "weights");
    else allReduce(tensor([1], { dtype: "float32" }), "sum", "a metric");
  } else if (scenario === "syncbn") {
    // SyncBatchNorm on each rank's half of a batch of 8 against BatchNorm1d on the whole batch.
    manualSeed(7);
    const whole = randn([8, 3]).mul(2).add(1);
    const upstream = randn([8, 3]);
    const half = whole.narrow(0, 4 * rank, 4).clone();
    half.requiresGrad = true;
    const sync = new SyncBatchNorm(3);
    const y = sync.call(half);
    y.mul(upstream.narrow(0, 4 * rank, 4))
      .sum()
      .backward();
    const full = whole.clone();
    full.requiresGrad = true;
    const bn = new BatchNorm1d(3);
    const yRef = bn.call(full);
    yRef.mul(upstream).sum().backward();
    const flat = (t: Tensor | null) => (t === null ? null : Array.from(t.toTypedArray() as Float32Array));
    out.y = flat(y);
    out.yRef = flat(yRef.narrow(0, 4 * rank, 4));
    out.gradInput = flat(half.grad);
    out.gradInputRef = flat(full.grad!.narrow(0, 4 * rank, 4));
    // Weight and bias gradients are local sums (DDP averages them); their sum over ranks is the reference.
    const gw = sync.weight!.grad!.clone();
    const gb = sync.bias!.grad!.clone();
    allReduce([gw, gb], "sum", "syncbn grads");
    out.gradWeight = flat(gw);
    out.gradWeightRef = flat(bn.weight!.grad);
    out.gradBias = flat(gb);
    out.gradBiasRef = flat(bn.bias!.grad);
    out.running = [flat(sync.runningMean), flat(sync.runningVar)];
    out.runningRef = [flat(bn.runningMean), flat(bn.runningVar)];
  }
} catch (err) {
  out.error = err instanceof Error ? err.message : String(err);
}
destroyProcessGroup();
console.log(JSON.stringify(out));
