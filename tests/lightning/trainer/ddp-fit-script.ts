// One rank of the DDP tests (ddp.test.ts runs it as rank 0; its Trainer starts rank 1 by running this script
// again). A linear regression on fixed data; rank 1 starts from other weights, so equal results show that
// rank 0's were broadcast. Each rank writes what it ended with to $KILN_DDP_OUT/rank<N>.json.
// KILN_DDP_SCENARIO: "fit" (default), "throw" (rank 1 fails in its second training step), "stop" (only rank 1's
// EarlyStopping wants to stop, after the first epoch), "diverge" (a callback computes a metric on rank 0 only,
// so the ranks run different collectives).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { EarlyStopping } from "../../../src/lightning/callbacks/early-stopping.js";
import { ModelCheckpoint } from "../../../src/lightning/callbacks/model-checkpoint.js";
import { CSVLogger } from "../../../src/lightning/loggers/csv.js";
import { MeanMetric } from "../../../src/lightning/metrics/aggregation.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { noGrad } from "../../../src/torch/autograd.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, regressionData } from "./helpers.js";

const out = process.env.KILN_DDP_OUT!;
const scenario = process.env.KILN_DDP_SCENARIO ?? "fit";
const localRank = Number(process.env.LOCAL_RANK ?? 0);
torch.manualSeed(42);
process.env.PL_GLOBAL_SEED = "42";

class DdpModule extends LinearModule {
  lossMean = new MeanMetric();
  override trainingStep(batch: unknown, batchIdx: number) {
    if (scenario === "throw" && this.trainer!.globalRank === 1 && batchIdx === 1) {
      throw new Error("rank 1 broke on purpose");
    }
    const loss = this.loss(batch);
    this.lossMean.update(loss);
    this.log("train/loss", loss, { onStep: false, onEpoch: true, syncDist: true });
    this.log("train/rank", this.trainer!.globalRank, {
      onStep: false,
      onEpoch: true,
      reduceFx: "max",
      syncDist: true,
    });
    return loss;
  }
  override testStep(batch: unknown) {
    const loss = this.loss(batch);
    this.log("test/loss", loss, { syncDist: true });
    return loss;
  }
  override validationStep(batch: unknown) {
    const loss = this.loss(batch);
    this.log("val/loss", loss, { syncDist: true });
    // Unsynced and different per rank: rank 0 improves every epoch, rank 1 never after epoch 0.
    this.log("val/rank_metric", this.trainer!.globalRank === 1 ? 1 : this.trainer!.currentEpoch);
    return loss;
  }
}

const train = regressionData(16, 3, 7);
const val = regressionData(8, 3, 8);
const model = new DdpModule({}, 0.1);
if (localRank === 1) noGrad(() => model.fc.weight.mul_(2));
const callbacks: unknown[] = [
  new ModelCheckpoint({ dirpath: join(out, "ckpt"), monitor: "val/loss", save_last: true }),
];
if (scenario === "stop")
  callbacks.push(new EarlyStopping({ monitor: "val/rank_metric", mode: "max", patience: 0 }));
class RankZeroPeek extends Callback {
  override onTrainBatchEnd(trainer: Trainer): void {
    if (trainer.globalRank === 0) (trainer.lightningModule as DdpModule).lossMean.compute();
  }
}
if (scenario === "diverge") callbacks.push(new RankZeroPeek());
const trainer = new Trainer({
  accelerator: "cpu",
  devices: 2,
  max_epochs: scenario === "stop" ? 5 : 2,
  logger: new CSVLogger({ save_dir: out, name: "csv" }),
  callbacks: callbacks as never,
  enable_progress_bar: false,
  enable_model_summary: false,
  num_sanity_val_steps: 0,
});
await trainer.fit(model, {
  trainDataloaders: loader(train, 4, true),
  valDataloaders: loader(val, 4),
});
const params: Record<string, number[]> = {};
for (const [name, p] of model.namedParameters())
  params[name] = [...(p.detach().toTypedArray() as Float32Array)];
const afterFit = {
  epoch: trainer.currentEpoch,
  step: trainer.globalStep,
  metrics: { ...trainer.callbackMetrics },
};
// Every rank tests the checkpoint rank 0 chose (the path it shared after fit), on its share of the data.
const [testMetrics] = await trainer.test(model, {
  dataloaders: loader(val, 4),
  ckptPath: "best",
  verbose: false,
});
const result = {
  globalRank: trainer.globalRank,
  localRank: trainer.localRank,
  worldSize: trainer.worldSize,
  isGlobalZero: trainer.isGlobalZero,
  currentEpoch: afterFit.epoch,
  globalStep: afterFit.step,
  params,
  callbackMetrics: afterFit.metrics,
  bestModelPath: (trainer.checkpointCallback as ModelCheckpoint).bestModelPath,
  numTrainingBatches: trainer.numTrainingBatches,
  testMetrics,
  testCkptPath: trainer.ckptPath,
};
writeFileSync(join(out, `rank${trainer.globalRank}.json`), JSON.stringify(result));
