// One rank of the cluster tests (started by Kiln's launcher, torchrun or a test as a node): a small regression
// fit on fixed data, with a BatchNorm layer when KILN_BN=1. Settings come from the environment:
// KILN_OUT (where each rank writes rank<global rank>.json, and ckpt/), KILN_DEVICES, KILN_NODES, KILN_EPOCHS,
// KILN_BN=1 (BatchNorm + sync_batchnorm), KILN_KILL="<global rank>:<epoch>:<batch>" (that rank SIGKILLs itself
// there, in the first attempt only). Every rank records how it ended in exit<global rank>.json.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ModelCheckpoint } from "../../src/lightning/callbacks/model-checkpoint.js";
import { Trainer } from "../../src/lightning/trainer/trainer.js";
import * as torch from "../../src/torch/index.js";
import { loader, regressionData } from "../lightning/trainer/helpers.js";
import { ClusterModule } from "./cluster-module.js";

const env = process.env;
const out = env.KILN_OUT!;
const devices = Number(env.KILN_DEVICES ?? 2);
const numNodes = Number(env.KILN_NODES ?? 1);
const restarts = Number(env.TORCHELASTIC_RESTART_COUNT ?? 0);
const kill = env.KILN_KILL?.split(":").map(Number) ?? null;
let globalRank = -1;
let failure: string | null = null;
process.on("exit", (code) => {
  if (globalRank < 0) globalRank = Number(env.RANK ?? env.LOCAL_RANK ?? 0);
  const record = { code, failure, pid: process.pid, restarts };
  writeFileSync(join(out, `exit${globalRank}-${process.pid}.json`), JSON.stringify(record));
});

torch.manualSeed(42);
process.env.PL_GLOBAL_SEED = "42";

const data = regressionData(32, 3, 7);
const model = new ClusterModule(env.KILN_BN === "1", restarts === 0 ? kill : null, (rank) => {
  globalRank = rank;
});
const trainer = new Trainer({
  accelerator: "cpu",
  devices,
  num_nodes: numNodes,
  sync_batchnorm: env.KILN_BN === "1",
  max_epochs: Number(env.KILN_EPOCHS ?? 2),
  logger: false,
  callbacks: [new ModelCheckpoint({ dirpath: join(out, "ckpt"), save_last: true })],
  enable_progress_bar: false,
  enable_model_summary: false,
  num_sanity_val_steps: 0,
});
try {
  // The global batch is 8: each of the world's ranks reads its share of it.
  await trainer.fit(model, { trainDataloaders: loader(data, 8 / (devices * numNodes), true) });
} catch (e) {
  failure = e instanceof Error ? e.message : String(e);
  throw e;
}
const params: Record<string, number[]> = {};
for (const [name, p] of model.namedParameters())
  params[name] = [...(p.detach().toTypedArray() as Float32Array)];
const buffers: Record<string, number[]> = {};
for (const [name, b] of model.namedBuffers())
  buffers[name] = Array.from(b.toTypedArray() as ArrayLike<number>, Number);
writeFileSync(
  join(out, `rank${trainer.globalRank}.json`),
  JSON.stringify({
    globalRank: trainer.globalRank,
    localRank: trainer.localRank,
    nodeRank: trainer.nodeRank,
    worldSize: trainer.worldSize,
    epoch: trainer.currentEpoch,
    step: trainer.globalStep,
    batches: trainer.numTrainingBatches,
    ckptPath: trainer.ckptPath,
    restarts,
    params,
    buffers,
  }),
);
