// torchvision.transforms.v2's RandomCrop, RandomHorizontalFlip and RandomVerticalFlip on image tensors
// ([..., C, H, W], any dtype), drawing their random numbers with torchvision's calls in torchvision's order.
import { fromTypedArray } from "../creation.js";
import { isFloatingDtype } from "../dtype.js";
import { randintWith, randWith } from "../generator.js";
import { pad } from "../ops/nn.js";
import "../ops/shape.js";
import { tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import { Transform } from "./transform.js";

/** How RandomCrop fills its padding (torchvision's names). */
export type PaddingMode = "constant" | "edge" | "reflect" | "symmetric";

/** RandomCrop's options after `size` (the YAML's keys). */
export interface RandomCropOptions {
  /** Padding on each border before cropping: n, [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | number[] | null;
  /** Pad an image smaller than the crop up to its size (default false). */
  pad_if_needed?: boolean;
  /** The value of constant padding (default 0). */
  fill?: number;
  /** constant (default), edge, reflect or symmetric. */
  padding_mode?: PaddingMode;
}

const PADDING_MODES: readonly string[] = ["constant", "edge", "reflect", "symmetric"];

// torchvision's _setup_size: an int is a square, a one-element list too, two elements are (h, w).
function setupSize(size: number | number[]): [number, number] {
  const list = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0]!, size[0]!] : size;
  if (!Array.isArray(list) || list.length !== 2 || list.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new RangeError(
      `Please provide only two dimensions (h, w) for size (positive integers), got ${JSON.stringify(size)}`,
    );
  }
  return [list[0]!, list[1]!];
}

// torchvision's _parse_pad_padding: [left, right, top, bottom].
function parsePadding(padding: number | number[]): [number, number, number, number] {
  if (typeof padding === "number") return [padding, padding, padding, padding];
  if (padding.length === 1) return [padding[0]!, padding[0]!, padding[0]!, padding[0]!];
  if (padding.length === 2) return [padding[0]!, padding[0]!, padding[1]!, padding[1]!];
  if (padding.length === 4) return [padding[0]!, padding[2]!, padding[1]!, padding[3]!];
  throw new RangeError(
    `Padding must be an int or a 1, 2, or 4 element tuple, not a ${padding.length} element tuple`,
  );
}

function imageSize(input: Tensor, who: string): [number, number] {
  const shape = input.shape;
  if (shape.length < 2) {
    throw new RangeError(`${who}: expected an image tensor [..., C, H, W], got shape [${shape.join(", ")}]`);
  }
  return [shape[shape.length - 2]!, shape[shape.length - 1]!];
}

// One draw of torch.randint(0, high, size=()) from the default generator.
function randomOffset(high: number): number {
  const t = randintWith(0, high, []);
  try {
    return Number(t.item());
  } finally {
    t.dispose();
  }
}

// torch.rand(1) from the default generator.
function randomUnit(): number {
  const t = randWith([1]);
  try {
    return Number(t.item());
  } finally {
    t.dispose();
  }
}

/** Crops a random size-(h, w) window, after optional padding (torchvision.transforms.v2.RandomCrop). */
export class RandomCrop extends Transform {
  readonly size: [number, number];
  /** [left, right, top, bottom], or null. */
  readonly padding: [number, number, number, number] | null;
  readonly pad_if_needed: boolean;
  readonly fill: number;
  readonly padding_mode: PaddingMode;

  /** `size`: an int (square) or [h, w]; see RandomCropOptions for the rest. */
  constructor(size: number | number[], opts: RandomCropOptions = {}) {
    super();
    const { padding = null, pad_if_needed = false, fill = 0, padding_mode = "constant" } = opts;
    this.size = setupSize(size);
    if (!PADDING_MODES.includes(padding_mode)) {
      throw new RangeError(
        `Padding mode should be either constant, edge, reflect or symmetric, got '${padding_mode}'`,
      );
    }
    if (typeof fill !== "number") {
      throw new TypeError(
        `RandomCrop: fill must be a number (Kiln has no per-channel fill), got ${JSON.stringify(fill)}`,
      );
    }
    // `if padding` in torchvision: 0 and [] mean no padding.
    const some = Array.isArray(padding) ? padding.length > 0 : Boolean(padding);
    this.padding = padding !== null && some ? parsePadding(padding) : null;
    this.pad_if_needed = pad_if_needed;
    this.fill = fill;
    this.padding_mode = padding_mode;
  }

  forward(input: Tensor): Tensor {
    let [height, width] = imageSize(input, "RandomCrop");
    let [left, right, top, bottom] = this.padding ?? [0, 0, 0, 0];
    height += top + bottom;
    width += left + right;
    const [cropH, cropW] = this.size;
    if (this.pad_if_needed) {
      if (height < cropH) {
        const diff = cropH - height;
        top += diff;
        bottom += diff;
        height += 2 * diff;
      }
      if (width < cropW) {
        const diff = cropW - width;
        left += diff;
        right += diff;
        width += 2 * diff;
      }
    }
    if (height < cropH || width < cropW) {
      throw new RangeError(
        `Required crop size (${cropH}, ${cropW}) is larger than ${this.padding !== null ? "padded " : ""}` +
          `input image size (${height}, ${width}).`,
      );
    }
    const y = height > cropH ? randomOffset(height - cropH + 1) : 0;
    const x = width > cropW ? randomOffset(width - cropW + 1) : 0;
    const needsPad = left !== 0 || right !== 0 || top !== 0 || bottom !== 0;
    const needsCrop = height > cropH || width > cropW;
    if (!needsPad && !needsCrop) return input;
    return tidy(() => {
      const padded = needsPad
        ? padImage(input, [left, right, top, bottom], this.padding_mode, this.fill)
        : input;
      return needsCrop ? padded.narrow(-2, y, cropH).narrow(-1, x, cropW) : padded;
    });
  }

  protected override extraRepr(): string {
    // torchvision's repr leaves out an unset padding.
    const padding = this.padding === null ? "" : `padding=[${this.padding.join(", ")}], `;
    return (
      `size=(${this.size.join(", ")}), ${padding}pad_if_needed=${this.pad_if_needed ? "True" : "False"}, ` +
      `fill=${this.fill}, padding_mode=${this.padding_mode}`
    );
  }
}

// torchvision's _pad_with_scalar_fill: edge is torch's replicate, which (like reflect) pads float images only.
// (A module function, not a #private method: instances rebuilt in DataLoader workers have no private brand.)
function padImage(input: Tensor, padding: number[], mode: PaddingMode, fill: number): Tensor {
  if (mode === "constant") return pad(input, padding, { value: fill });
  if (mode === "symmetric") return padSymmetric(input, padding);
  const shape = input.shape;
  const image = input.reshape([-1, ...(shape.length >= 3 ? shape.slice(-3) : [1, ...shape])]);
  const float = isFloatingDtype(image.dtype) ? image : image.to("float32");
  const out = pad(float, padding, { mode: mode === "edge" ? "replicate" : "reflect" });
  const back = float === image ? out : out.to(input.dtype);
  return back.reshape([...shape.slice(0, -2), ...back.shape.slice(-2)]);
}

// torchvision's _pad_symmetric: the edge row/column is repeated, then the image mirrored outwards.
function padSymmetric(input: Tensor, [left, right, top, bottom]: number[]): Tensor {
  const [h, w] = imageSize(input, "RandomCrop");
  const mirror = (n: number, before: number, after: number): Tensor => {
    const idx: number[] = [];
    for (let i = before - 1; i >= 0; i--) idx.push(i);
    for (let i = 0; i < n; i++) idx.push(i);
    for (let i = 0; i < after; i++) idx.push(n - 1 - i);
    if (idx.some((i) => i < 0 || i >= n)) {
      throw new RangeError(
        `symmetric padding of ${Math.max(before, after)} is larger than the image side ${n}`,
      );
    }
    return fromTypedArray(Float64Array.from(idx), [idx.length], { dtype: "int64" });
  };
  return input.indexSelect(-2, mirror(h, top!, bottom!)).indexSelect(-1, mirror(w, left!, right!));
}

/** Options of the random flips (the YAML's keys). */
export interface RandomFlipOptions {
  /** Probability of flipping (default 0.5). */
  p?: number;
}

abstract class RandomApply extends Transform {
  readonly p: number;

  constructor(p: number | RandomFlipOptions | undefined) {
    super();
    const prob = typeof p === "object" && p !== null ? (p.p ?? 0.5) : (p ?? 0.5);
    if (!(typeof prob === "number" && prob >= 0 && prob <= 1)) {
      throw new RangeError("`p` should be a floating point value in the interval [0.0, 1.0].");
    }
    this.p = prob;
  }

  // torchvision's _RandomApplyTransform: one torch.rand(1) per call, the input unchanged when it is >= p.
  forward(input: Tensor): Tensor {
    imageSize(input, this.constructor.name);
    if (randomUnit() >= this.p) return input;
    return this.apply(input);
  }

  protected abstract apply(input: Tensor): Tensor;

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Flips the image left-right with probability p (torchvision.transforms.v2.RandomHorizontalFlip). */
export class RandomHorizontalFlip extends RandomApply {
  /** `p` (default 0.5), as a number or `{ p }`. */
  constructor(p?: number | RandomFlipOptions) {
    super(p);
  }

  protected apply(input: Tensor): Tensor {
    return input.flip(-1);
  }
}

/** Flips the image upside down with probability p (torchvision.transforms.v2.RandomVerticalFlip). */
export class RandomVerticalFlip extends RandomApply {
  /** `p` (default 0.5), as a number or `{ p }`. */
  constructor(p?: number | RandomFlipOptions) {
    super(p);
  }

  protected apply(input: Tensor): Tensor {
    return input.flip(-2);
  }
}
