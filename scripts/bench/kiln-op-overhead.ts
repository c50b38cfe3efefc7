// The op-overhead micro-benchmark's Kiln side, run as its own process by op-overhead.ts: ns per 1-element add
// (a new tensor each call, disposed at once) and ns per SimpleDenseNet training step on a batch of 16; the same
// measurement as cpp/op_overhead.cpp. Prints {"add_ns": [...], "mlp_step_ns": [...], "threads": t}.
import { parseArgs } from "node:util";
import { SimpleDenseNet } from "../../src/models/components/simple-dense-net.js";
import * as torch from "../../src/torch/index.js";
import { Adam } from "../../src/torch/optim/index.js";
import { TEMPLATE_SIZES } from "./model-sizes.js";

const { values } = parseArgs({
  options: {
    iters: { type: "string", default: "200000" },
    steps: { type: "string", default: "300" },
    repeats: { type: "string", default: "5" },
  },
});
const iters = Number(values.iters);
const steps = Number(values.steps);
const repeats = Number(values.repeats);

torch.manualSeed(0);
const a = torch.ones([1]);
const b = torch.ones([1]);
const addNs: number[] = [];
for (let r = 0; r <= repeats; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) a.add(b).dispose();
  if (r > 0) addNs.push(Number(process.hrtime.bigint() - t0) / iters); // r = 0: warm-up (JIT, allocator)
}

const net = new SimpleDenseNet(TEMPLATE_SIZES);
net.train();
const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
const x = torch.randn([16, 784]);
const y = torch.randint(0, 10, [16]);
const stepNs: number[] = [];
for (let r = 0; r <= repeats; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    torch.tidy(() => {
      optimizer.zeroGrad();
      const loss = torch.crossEntropy(net.call(x) as torch.Tensor, y);
      loss.backward();
      optimizer.step();
      return loss.item() as number;
    });
  }
  if (r > 0) stepNs.push(Number(process.hrtime.bigint() - t0) / steps);
}
console.log(JSON.stringify({ add_ns: addNs, mlp_step_ns: stepNs, threads: torch.getNumThreads() }));
