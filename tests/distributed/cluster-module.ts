// The model of the cluster tests: LinearModule's regression, with BatchNorm1d before the linear layer when
// `bn`; `kill` = [global rank, epoch, batch] makes that rank SIGKILL itself there (first attempt only).
import * as torch from "../../src/torch/index.js";
import { LinearModule } from "../lightning/trainer/helpers.js";

export class ClusterModule extends LinearModule {
  bn: torch.nn.BatchNorm1d | null;
  constructor(
    bn: boolean,
    readonly kill: number[] | null = null,
    readonly onRank: (rank: number) => void = () => {},
  ) {
    super({}, 0.1);
    this.bn = bn ? new torch.nn.BatchNorm1d(3) : null;
  }
  override forward(x: torch.Tensor): torch.Tensor {
    return super.forward(this.bn === null ? x : (this.bn.call(x) as torch.Tensor));
  }
  override trainingStep(batch: unknown, batchIdx: number) {
    const t = this.trainer!;
    this.onRank(t.globalRank);
    const k = this.kill;
    if (k !== null && k[0] === t.globalRank && k[1] === t.currentEpoch && k[2] === batchIdx) {
      process.kill(process.pid, "SIGKILL");
    }
    return super.trainingStep(batch, batchIdx);
  }
}
