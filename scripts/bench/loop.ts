// (b) of the throughput benchmark, run as its own process by throughput.ts: the minimal training loop written
// directly against src/torch, the same steps as the C++ program and Python: SimpleDenseNet + Adam(lr 1e-3),
// batch 128, randperm shuffle each epoch, one loss.item() per step.
//   node --import tsx scripts/bench/loop.ts --x F --y F [--n 60000] [--epochs 3] [--limit 0] [--device cpu]
//     [--precision 32-true|bf16-mixed]  (bf16-mixed: the forward and the loss under autocast, as Lightning)
// Threads come from KILN_NUM_THREADS (read when the addon loads). Prints one JSON line like the C++ program.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SimpleDenseNet } from "../../src/models/components/simple-dense-net.js";
import * as torch from "../../src/torch/index.js";
import { Adam } from "../../src/torch/optim/index.js";
import { TEMPLATE_SIZES } from "./model-sizes.js";

const { values } = parseArgs({
  options: {
    x: { type: "string" },
    y: { type: "string" },
    n: { type: "string", default: "60000" },
    epochs: { type: "string", default: "3" },
    batch: { type: "string", default: "128" },
    limit: { type: "string", default: "0" },
    device: { type: "string", default: "cpu" },
    precision: { type: "string", default: "32-true" },
    seed: { type: "string", default: "12345" },
  },
});
const n = Number(values.n);
const batch = Number(values.batch);
const device = values.device!;
const mixed = values.precision === "bf16-mixed";

/** A raw little-endian file as a tensor (copied, then moved to the device). */
function readRaw(path: string, shape: number[], dtype: "float32" | "int64"): torch.Tensor {
  const buf = readFileSync(path);
  const data =
    dtype === "float32"
      ? new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)
      : new BigInt64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  return torch.fromTypedArray(data, shape, { device });
}

torch.manualSeed(Number(values.seed));
const x = readRaw(values.x!, [n, 784], "float32");
const y = readRaw(values.y!, [n], "int64");
const net = new SimpleDenseNet(TEMPLATE_SIZES);
net.to(device);
net.train();
const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
let steps = Math.ceil(n / batch);
const limit = Number(values.limit);
if (limit > 0 && limit < steps) steps = limit;

const times: number[] = [];
const cpuTimes: number[] = [];
let loss = 0;
for (let e = 0; e < Number(values.epochs); e++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const perm = torch.randperm(n, { device });
  for (let s = 0; s < steps; s++) {
    loss = torch.tidy(() => {
      const idx = perm.slice(0, s * batch, Math.min(n, (s + 1) * batch));
      optimizer.zeroGrad();
      const forward = () =>
        torch.crossEntropy(net.call(x.indexSelect(0, idx)) as torch.Tensor, y.indexSelect(0, idx));
      const l = mixed ? torch.autocast(device, { dtype: "bfloat16" }, forward) : forward();
      l.backward();
      optimizer.step();
      return l.item() as number;
    });
  }
  perm.dispose();
  times.push((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(c0);
  cpuTimes.push((cpu.user + cpu.system) / 1e6);
}
console.log(
  JSON.stringify({
    epoch_s: times,
    epoch_cpu_s: cpuTimes,
    steps_per_epoch: steps,
    threads: torch.getNumThreads(),
    final_loss: loss,
  }),
);
