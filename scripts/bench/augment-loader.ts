// Issue 16's augmentation benchmark: one shuffled epoch of batch 128 over N uint8 3x32x32 images (the same images
// on both sides: torch.manual_seed(0), randint(0, 256)), each sample augmented as CIFAR training does
// (RandomCrop(32, padding=4), RandomHorizontalFlip, ToDtype(float32, scale), Normalize). Kiln's DataLoader with
// 0 and 2 workers against PyTorch's with 0 and 2 (torchvision.transforms.v2), each side in its own process; the
// first epoch (worker start-up included) and the best of the later ones (persistent workers).
// Run: npx tsx scripts/bench/augment-loader.ts [--samples 10000] [--epochs 3] [--threads 1]
// PyTorch's side needs a Python with torch and torchvision (KILN_PYTHON or .venv/bin/python); else it is skipped.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread } from "node:worker_threads";
import * as torch from "../../src/torch/index.js";
import { BENCH_DIR, benchEnv, findPython, runJson, tsNode } from "./proc.js";

const T = torch.transforms;
const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.243, 0.261];

/** uint8 images and labels, each sample augmented on read. */
export class AugmentedImages extends torch.data.Dataset<torch.Tensor[]> {
  readonly transform = new T.Compose([
    new T.RandomCrop(32, { padding: 4 }),
    new T.RandomHorizontalFlip(),
    new T.ToDtype("float32", true),
    new T.Normalize(MEAN, STD),
  ]);
  constructor(
    readonly images: torch.Tensor,
    readonly labels: torch.Tensor,
  ) {
    super();
  }
  getItem(i: number): torch.Tensor[] {
    const image = this.images.select(0, i);
    return [this.transform.forward(image), this.labels.select(0, i)];
  }
  get length(): number {
    return this.images.shape[0]!;
  }
}
torch.data.registerForWorkers(AugmentedImages, import.meta.url);

interface Result {
  workers: number;
  epochs_s: number[];
}

// One side's epochs in this process (run as a child: `--child --workers W`).
function measure(samples: number, workers: number, epochs: number): Result {
  torch.manualSeed(0);
  const images = torch.randint(0, 256, [samples, 3, 32, 32], { dtype: "uint8" });
  const labels = torch.randint(0, 10, [samples]);
  const loader = new torch.data.DataLoader({
    dataset: new AugmentedImages(images, labels),
    batch_size: 128,
    shuffle: true,
    num_workers: workers,
    persistent_workers: workers > 0,
    generator: new torch.Generator().manualSeed(1),
  });
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const start = performance.now();
    let n = 0;
    for (const [x, y] of loader) {
      n += x!.shape[0]!;
      x!.dispose();
      y!.dispose();
    }
    times.push((performance.now() - start) / 1000);
    if (n !== samples) throw new Error(`epoch had ${n} samples, expected ${samples}`);
  }
  loader.shutdownWorkers();
  return { workers, epochs_s: times };
}

function row(side: string, r: Result | string, samples: number): string {
  if (typeof r === "string") return `| ${side} | skipped: ${r} | | |`;
  const first = r.epochs_s[0]!;
  const best = Math.min(...r.epochs_s.slice(1));
  return `| ${side}, ${r.workers} workers | ${first.toFixed(2)} | ${best.toFixed(2)} | ${Math.round(samples / best)} |`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      samples: { type: "string", default: "10000" },
      epochs: { type: "string", default: "3" },
      threads: { type: "string", default: "1" },
      workers: { type: "string" },
      child: { type: "boolean", default: false },
    },
  });
  const samples = Number(values.samples);
  const epochs = Math.max(2, Number(values.epochs));
  if (values.child) {
    process.stdout.write(`${JSON.stringify(measure(samples, Number(values.workers), epochs))}\n`);
    return;
  }
  const env = benchEnv(Number(values.threads));
  const args = ["--samples", String(samples), "--epochs", String(epochs)];
  const kiln = (w: number): Result =>
    runJson<Result>(
      ...tsNode(join(BENCH_DIR, "augment-loader.ts"), [...args, "--child", "--workers", String(w)]),
      env,
    );
  const py = findPython();
  const pyHasVision =
    py.python &&
    spawnSync(py.python, ["-c", "import importlib.util as u; assert u.find_spec('torchvision')"]).status !== 0
      ? `${py.python} cannot import torchvision`
      : null;
  const pytorch = (w: number): Result | string =>
    py.python && !pyHasVision
      ? runJson<Result>(
          py.python,
          [join(BENCH_DIR, "python/augment_loader.py"), ...args, "--workers", String(w)],
          env,
        )
      : (pyHasVision ?? py.why ?? "no Python");
  console.log(
    `augmented epoch: ${samples} samples of uint8 3x32x32, batch 128, ${values.threads} thread(s) per side`,
  );
  console.log("| side | first epoch s | best later epoch s | samples/s |\n|---|---|---|---|");
  for (const w of [0, 2]) console.log(row("Kiln", kiln(w), samples));
  for (const w of [0, 2]) console.log(row("PyTorch", pytorch(w), samples));
}

if (isMainThread) main();
