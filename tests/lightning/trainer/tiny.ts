// The tiny run of fixtures/lightning (README §3): Linear(4,8)-ReLU-Linear(8,2), Adam lr 0.05, random data
// from a seeded generator (16 train / 12 val / 8 test samples, batch 4), plus a hook recorder.
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { LightningDataModule } from "../../../src/lightning/datamodule.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { randintWith, randnWith } from "../../../src/torch/generator.js";
import * as torch from "../../../src/torch/index.js";

const { nn, data } = torch;
type Tensor = torch.Tensor;

/** The fixture's model; `log` controls whether the steps call self.log as the fixture script does. */
export class TinyModule extends LightningModule {
  net: torch.nn.Sequential;
  constructor(readonly lr = 0.05) {
    super();
    this.saveHyperparameters({ lr, net: { hidden: 8, act: "relu" }, tag: "tiny" });
    this.net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
  }
  override forward(x: Tensor): Tensor {
    return this.net.call(x) as Tensor;
  }
  private stepMetrics(batch: unknown): { loss: Tensor; acc: Tensor } {
    const [x, y] = batch as [Tensor, Tensor];
    const logits = this.forward(x);
    const loss = torch.crossEntropy(logits, y);
    const acc = logits.argmax(1).eq(y).to("float32").mean();
    return { loss, acc };
  }
  override trainingStep(batch: unknown, batchIdx: number) {
    const { loss, acc } = this.stepMetrics(batch);
    this.log("train/loss", loss, { onStep: true, onEpoch: true });
    this.logDict({ "train/acc": acc, "train/batch_idx": batchIdx });
    return loss;
  }
  override validationStep(batch: unknown) {
    const { loss, acc } = this.stepMetrics(batch);
    this.log("val/loss", loss, { onStep: false, onEpoch: true });
    this.log("val/acc", acc, { progBar: true });
  }
  override testStep(batch: unknown) {
    const { loss, acc } = this.stepMetrics(batch);
    this.log("test/loss", loss);
    this.log("test/acc", acc);
  }
  override configureOptimizers() {
    return new torch.optim.Adam(this.parameters(), { lr: this.lr });
  }
}

/** Random classification data: `n` samples of 4 features, labels 0/1. */
export function randomData(n: number, generator: torch.Generator): [Tensor, Tensor] {
  return [randnWith([n, 4], { generator }), randintWith(0, 2, [n], { generator })];
}

/** The fixture's datamodule: 16/12/8 samples, batch size 4, shuffled training loader. */
export class TinyDataModule extends LightningDataModule {
  tensors: Tensor[] = [];
  train!: torch.data.TensorDataset;
  val!: torch.data.TensorDataset;
  test!: torch.data.TensorDataset;
  constructor(
    readonly batchSize = 4,
    readonly sizes: [number, number, number] = [16, 12, 8],
  ) {
    super();
    const g = new torch.Generator().manualSeed(1234);
    const [tx, ty] = randomData(sizes[0], g);
    const [vx, vy] = randomData(sizes[1], g);
    const [sx, sy] = randomData(sizes[2], g);
    this.tensors = [tx, ty, vx, vy, sx, sy].map((t) => torch.keep(t));
    this.train = new data.TensorDataset(tx, ty);
    this.val = new data.TensorDataset(vx, vy);
    this.test = new data.TensorDataset(sx, sy);
  }
  override trainDataloader() {
    return new data.DataLoader({ dataset: this.train, batch_size: this.batchSize, shuffle: true });
  }
  override valDataloader() {
    return new data.DataLoader({ dataset: this.val, batch_size: this.batchSize });
  }
  override testDataloader() {
    return new data.DataLoader({ dataset: this.test, batch_size: this.batchSize });
  }
  override dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
}

/** Snake-case name of a camelCase hook, as the fixture lines spell them. */
export function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A callback that records every callback hook as `callback:<snake_name>`. */
export class RecorderCallback extends Callback {
  constructor(readonly calls: string[]) {
    super();
    const proto = Callback.prototype as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(Callback.prototype)) {
      if (name === "constructor" || name === "stateKey" || typeof proto[name] !== "function") continue;
      if (name === "generateStateKey") continue;
      const original = proto[name] as (...a: unknown[]) => unknown;
      (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push(`callback:${snake(name)}`);
        return original.apply(this, args);
      };
    }
  }
}

/** Wraps every method named in `names` on `target` to record `<prefix>:<snake_name>` before calling it. */
export function recordMethods(target: object, prefix: string, names: string[], calls: string[]): void {
  const obj = target as Record<string, unknown>;
  for (const name of names) {
    const original = obj[name];
    if (typeof original !== "function") continue;
    obj[name] = function (this: unknown, ...args: unknown[]) {
      calls.push(`${prefix}:${snake(name)}`);
      return (original as (...a: unknown[]) => unknown).apply(target, args);
    };
  }
}
