// Issue 3's DataLoader benchmark: one shuffled epoch of batch 128 over 60,000 28x28 float32 samples with int64
// labels (a TensorDataset), against one epoch of training SimpleDenseNet (784-64-128-64-10 with BatchNorm1d,
// Adam) on the same data and batches. Target: the loader costs under 5% of the training epoch.
// Run: KILN_NUM_THREADS=1 npx tsx scripts/bench/dataloader.ts [--samples N]
import * as torch from "../../src/torch/index.js";
import { BatchNorm1d, Linear, Module, ReLU, Sequential } from "../../src/torch/nn/index.js";
import { Adam } from "../../src/torch/optim/index.js";

const samplesArg = process.argv.indexOf("--samples");
const N = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 60_000;
const BATCH = 128;

/** Lightning's template model: three hidden Linear + BatchNorm1d + ReLU blocks. */
class SimpleDenseNet extends Module {
  model = new Sequential(
    new Linear(784, 64),
    new BatchNorm1d(64),
    new ReLU(),
    new Linear(64, 128),
    new BatchNorm1d(128),
    new ReLU(),
    new Linear(128, 64),
    new BatchNorm1d(64),
    new ReLU(),
    new Linear(64, 10),
  );
  override forward(x: torch.Tensor): torch.Tensor {
    return this.model.call(x.view([x.shape[0]!, -1])) as torch.Tensor;
  }
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

torch.manualSeed(0);
const x = torch.keep(torch.rand([N, 28, 28]));
const y = torch.keep(torch.randint(0, 10, [N]));
const dataset = new torch.data.TensorDataset(x, y);
const loader = new torch.data.DataLoader({
  dataset,
  batch_size: BATCH,
  shuffle: true,
  generator: new torch.Generator().manualSeed(42),
});

// The shared 2-core machine is noisy: time several epochs of each and compare medians (min shown too).
const LOADER_EPOCHS = 5;
const TRAIN_EPOCHS = 3;

// Warm-up: first-touch costs (page faults, lazy kernel init) belong to neither measurement.
for (const batch of loader) for (const t of batch) t.dispose();

const liveBefore = torch.memoryStats().liveTensors;
const loaderTimes: number[] = [];
let batches = 0;
for (let e = 0; e < LOADER_EPOCHS; e++) {
  const t0 = process.hrtime.bigint();
  batches = 0;
  for (const [xb, yb] of loader) {
    batches++;
    xb!.dispose();
    yb!.dispose();
  }
  loaderTimes.push(seconds(t0));
}
const liveAfter = torch.memoryStats().liveTensors;

const net = new SimpleDenseNet();
net.train();
const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
const trainTimes: number[] = [];
let lastLoss = 0;
for (let e = 0; e < TRAIN_EPOCHS; e++) {
  const t0 = process.hrtime.bigint();
  for (const batch of loader) {
    lastLoss = torch.tidy(() => {
      const [xb, yb] = batch as [torch.Tensor, torch.Tensor];
      const loss = torch.crossEntropy(net.call(xb), yb);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item() as number;
    });
    for (const t of batch) t.dispose();
  }
  trainTimes.push(seconds(t0));
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const ms = (v: number[]): string =>
  `median ${(median(v) * 1000).toFixed(1)} ms, min ${(Math.min(...v) * 1000).toFixed(1)} ms over ${v.length}`;
console.log(`threads: ${torch.getNumThreads()}, samples: ${N}, batch: ${BATCH}, batches/epoch: ${batches}`);
console.log(`loader epoch (shuffled, batches disposed): ${ms(loaderTimes)}`);
console.log(`training epoch (SimpleDenseNet + Adam, includes loading): ${ms(trainTimes)}`);
const ratio = (100 * median(loaderTimes)) / median(trainTimes);
console.log(`loader / training (medians): ${ratio.toFixed(2)} % (target < 5 %)`);
console.log(
  `live tensors before/after the loader epochs: ${liveBefore}/${liveAfter}; last loss ${lastLoss.toFixed(4)}`,
);
