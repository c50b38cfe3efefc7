// Kiln's main-job example (until `kiln train` exists): an MLP classifier, PyTorch style, on Fashion-MNIST.
//
//   node --import tsx examples/train-mlp.ts [--epochs 2] [--threads 1] [--limit N] [--data-dir DIR] [--synthetic]
//
// Data: the IDX files of Debian's dataset-fashion-mnist package (found through dpkg, else in
// /usr/share/datasets/fashion-mnist), or any folder holding the four (Fashion-)MNIST IDX files (--data-dir or
// KILN_DATA_DIR). Without them it trains on a synthetic 10-class dataset of the same shape and says so loudly.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { torch } from "../src/index.js";

type Tensor = torch.Tensor;

const USAGE = `usage: node --import tsx examples/train-mlp.ts [options]
  --epochs N       training epochs (default: KILN_EPOCHS or 2)
  --threads N      libtorch threads (default: KILN_NUM_THREADS or 1)
  --limit N        train on at most N batches per epoch (default: all)
  --batch-size N   samples per batch (default 128)
  --lr X           Adam learning rate (default 0.001)
  --seed N         seed of the weights and of the shuffle (default 12345)
  --data-dir DIR   folder with the (Fashion-)MNIST IDX files (default: KILN_DATA_DIR, else Debian's package)
  --synthetic      train on the synthetic stand-in even when real data is installed
  --help           show this help`;

/** A clear, expected failure: printed without a stack trace. */
class UsageError extends Error {}

interface Options {
  epochs: number;
  threads: number;
  limit: number;
  batchSize: number;
  lr: number;
  seed: number;
  dataDir: string | undefined;
  synthetic: boolean;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

/** Options from argv, then the environment, then the defaults. */
function parseOptions(argv: string[]): Options | null {
  let parsed: ReturnType<typeof parseArgs>;
  const opt = { type: "string" } as const;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        epochs: opt,
        threads: opt,
        limit: opt,
        "batch-size": opt,
        lr: opt,
        seed: opt,
        "data-dir": opt,
        synthetic: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return null;
  const str = (key: string) => v[key] as string | undefined;
  const lr = Number(str("lr") ?? "0.001");
  if (!(lr > 0)) throw new UsageError(`--lr must be a positive number, got '${str("lr")}'`);
  return {
    epochs: positiveInt("--epochs", str("epochs") ?? process.env.KILN_EPOCHS, 2),
    threads: positiveInt("--threads", str("threads") ?? process.env.KILN_NUM_THREADS, 1),
    limit: positiveInt("--limit", str("limit"), Number.POSITIVE_INFINITY),
    batchSize: positiveInt("--batch-size", str("batch-size"), 128),
    lr,
    seed: positiveInt("--seed", str("seed"), 12345, 0),
    dataDir: str("data-dir") ?? (process.env.KILN_DATA_DIR || undefined),
    synthetic: v.synthetic === true,
  };
}

const IDX_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};

/** The path of an IDX file in `dir`, gzipped or raw, or undefined. */
function idxPath(dir: string, base: string): string | undefined {
  return [join(dir, `${base}.gz`), join(dir, base)].find((p) => existsSync(p));
}

/** Where Debian's dataset-fashion-mnist put its files (dpkg -L), else its usual folder, else undefined. */
function findFashionMnist(): string | undefined {
  try {
    const listing = execFileSync("dpkg", ["-L", "dataset-fashion-mnist"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    // dpkg's record can outlive the files (removed, or a folder mounted over them): trust only what exists.
    const file = listing
      .split("\n")
      .find((line) => /\/train-images-idx3-ubyte(\.gz)?$/.test(line) && existsSync(line));
    if (file) return dirname(file);
  } catch {
    // no dpkg, or the package is not installed: try the usual folder
  }
  const usual = "/usr/share/datasets/fashion-mnist";
  return idxPath(usual, IDX_FILES.trainImages) ? usual : undefined;
}

interface Split {
  x: Tensor; // [N, 784] float32, normalised
  y: Tensor; // [N] int64 class indices
}

interface Data {
  name: string;
  train: Split;
  test: Split;
}

/** Reads the four IDX files of `dir` and standardises the pixels with the training set's mean and std. */
function readIdxData(dir: string): Data {
  const paths = Object.fromEntries(
    Object.entries(IDX_FILES).map(([key, base]) => {
      const path = idxPath(dir, base);
      if (!path) throw new UsageError(`data folder '${dir}' has no ${base} or ${base}.gz`);
      return [key, path];
    }),
  ) as Record<keyof typeof IDX_FILES, string>;
  return torch.tidy(() => {
    const images = (path: string) => {
      const raw = torch.data.readIdxTensor(path);
      return raw.to("float32").reshape([raw.shape[0]!, -1]); // pixel values 0..255, normalised below
    };
    const trainX = images(paths.trainImages);
    const mean = trainX.mean().item() as number;
    const std = trainX.std().item() as number;
    const split = (x: Tensor, labelPath: string): Split => ({
      x: x.sub(mean).div(std),
      y: torch.data.readIdxTensor(labelPath).to("int64"),
    });
    return {
      name: dir,
      train: split(trainX, paths.trainLabels),
      test: split(images(paths.testImages), paths.testLabels),
    };
  });
}

/** 10 classes of 784 features: a fixed random prototype per class plus unit noise (learnable in an epoch). */
function syntheticData(seed: number): Data {
  const g = new torch.Generator().manualSeed(seed);
  return torch.tidy(() => {
    const prototypes = torch.randn([10, 784], { generator: g }).mul(0.25);
    const split = (n: number): Split => {
      const y = torch.randint(0, 10, [n], { generator: g });
      const noise = torch.randn([n, 784], { generator: g });
      return { x: prototypes.indexSelect(0, y).add(noise), y };
    };
    return {
      name: "SYNTHETIC stand-in (60,000 / 10,000 samples)",
      train: split(60_000),
      test: split(10_000),
    };
  });
}

function loadData(opts: Options): Data {
  if (opts.dataDir) return readIdxData(opts.dataDir); // asked for explicitly: failing is better than faking
  const found = opts.synthetic ? undefined : findFashionMnist();
  if (found) return readIdxData(found);
  const why = opts.synthetic ? "--synthetic was given" : "Fashion-MNIST is not installed";
  console.error(
    `\n${"!".repeat(100)}\n!! WARNING: ${why}: training on a SYNTHETIC 10-class dataset, not real images.\n` +
      "!! Its accuracy says nothing about real data. Install Debian's dataset-fashion-mnist package\n" +
      `!! (apt-get install dataset-fashion-mnist) or pass --data-dir DIR with the four IDX files.\n${"!".repeat(100)}\n`,
  );
  return syntheticData(opts.seed + 1);
}

/** SimpleDenseNet of the lightning-hydra-template: 784-64-128-64-10 with BatchNorm. */
function buildModel(): torch.nn.Sequential {
  const { nn } = torch;
  return new nn.Sequential(
    new nn.Linear(784, 64),
    new nn.BatchNorm1d(64),
    new nn.ReLU(),
    new nn.Linear(64, 128),
    new nn.BatchNorm1d(128),
    new nn.ReLU(),
    new nn.Linear(128, 64),
    new nn.BatchNorm1d(64),
    new nn.ReLU(),
    new nn.Linear(64, 10),
  );
}

interface Metrics {
  loss: number;
  accuracy: number;
  correct: number;
  samples: number;
}

/** Sums a batch's loss and correct predictions into `m` (reading two scalars: one device sync per step). */
function accumulate(m: Metrics, logits: Tensor, loss: Tensor, y: Tensor): void {
  const n = y.shape[0]!;
  m.loss += (loss.item() as number) * n;
  m.correct += logits.argmax(1).eq(y).sum().item() as number;
  m.samples += n;
}

function finish(m: Metrics): Metrics {
  return { ...m, loss: m.loss / m.samples, accuracy: m.correct / m.samples };
}

const newMetrics = (): Metrics => ({ loss: 0, accuracy: 0, correct: 0, samples: 0 });

/** One epoch of training (at most `limit` batches); every step's temporaries freed by torch.tidy. */
function trainEpoch(
  model: torch.nn.Sequential,
  optimizer: torch.optim.Adam,
  loader: torch.data.DataLoader<Tensor[], Tensor[]>,
  limit: number,
): Metrics {
  model.train();
  const m = newMetrics();
  let batches = 0;
  for (const [x, y] of loader) {
    torch.tidy(() => {
      optimizer.zeroGrad();
      const logits = model.call(x!) as Tensor;
      const loss = torch.crossEntropy(logits, y!);
      loss.backward();
      optimizer.step();
      accumulate(m, logits, loss, y!);
    });
    x!.dispose();
    y!.dispose();
    if (!Number.isFinite(m.loss))
      throw new Error(`training diverged: the loss became ${m.loss} at batch ${batches + 1}`);
    if (++batches >= limit) break;
  }
  return finish(m);
}

/** Loss and accuracy over a whole split, in eval mode (BatchNorm's running statistics, no autograd). */
function evaluate(model: torch.nn.Sequential, split: Split): Metrics {
  model.eval();
  const m = newMetrics();
  const loader = new torch.data.DataLoader({
    dataset: new torch.data.TensorDataset(split.x, split.y),
    batch_size: 1000,
  });
  torch.noGrad(() => {
    for (const [x, y] of loader) {
      torch.tidy(() => {
        const logits = model.call(x!) as Tensor;
        accumulate(m, logits, torch.crossEntropy(logits, y!), y!);
      });
      x!.dispose();
      y!.dispose();
    }
  });
  return finish(m);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function main(argv: string[]): void {
  const opts = parseOptions(argv);
  if (!opts) {
    console.log(USAGE);
    return;
  }
  // libtorch reads KILN_NUM_THREADS when it loads (on the first tensor op, below): both pools get it.
  process.env.KILN_NUM_THREADS = String(opts.threads);
  const loadStart = performance.now();
  const data = loadData(opts);
  torch.manualSeed(opts.seed);
  const model = buildModel();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: opts.lr });
  const loader = new torch.data.DataLoader({
    dataset: new torch.data.TensorDataset(data.train.x, data.train.y),
    batch_size: opts.batchSize,
    shuffle: true,
    generator: new torch.Generator().manualSeed(opts.seed),
  });
  const batches = Math.min(loader.length, opts.limit);
  console.log(`data: ${data.name}: ${data.train.y.shape[0]} train / ${data.test.y.shape[0]} test samples`);
  console.log(
    `model: SimpleDenseNet 784-64-128-64-10, ${model.countParameters().total} parameters; Adam lr ${opts.lr}; ` +
      `batch ${opts.batchSize}, ${batches} batches/epoch; ${torch.getNumThreads()} thread(s); ` +
      `loaded in ${seconds(performance.now() - loadStart)}`,
  );
  let test = newMetrics();
  const start = performance.now();
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const t0 = performance.now();
    const train = trainEpoch(model, optimizer, loader, opts.limit);
    const t1 = performance.now();
    test = evaluate(model, data.test);
    const t2 = performance.now();
    console.log(
      `epoch ${epoch}/${opts.epochs}: train loss ${train.loss.toFixed(4)} acc ${train.accuracy.toFixed(4)} | ` +
        `test loss ${test.loss.toFixed(4)} acc ${test.accuracy.toFixed(4)} | ` +
        `time ${seconds(t2 - t0)} (train ${seconds(t1 - t0)}, eval ${seconds(t2 - t1)})`,
    );
  }
  console.log(
    `final test accuracy: ${test.accuracy.toFixed(4)} (${test.correct}/${test.samples}) after ${opts.epochs} ` +
      `epoch(s) in ${seconds(performance.now() - start)}`,
  );
  model.dispose();
  optimizer.dispose();
  for (const t of [data.train.x, data.train.y, data.test.x, data.test.y]) t.dispose();
}

try {
  main(process.argv.slice(2));
} catch (e) {
  // Expected failures (bad options, missing or malformed data) print their message; KILN_DEBUG adds the stack.
  const message = e instanceof Error ? e.message : String(e);
  console.error(`train-mlp: error: ${message}`);
  if (process.env.KILN_DEBUG && e instanceof Error && !(e instanceof UsageError)) console.error(e.stack);
  process.exitCode = 1;
}
