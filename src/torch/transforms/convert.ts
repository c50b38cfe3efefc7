// torchvision.transforms.v2's ToImage, ToDtype and Normalize on image tensors: the uint8 -> float pipeline
// ToImage(), ToDtype(torch.float32, scale=True), Normalize(mean, std) with torchvision's float32 arithmetic.
import { tensor } from "../creation.js";
import { type DType, isFloatingDtype } from "../dtype.js";
import "../ops/math.js";
import "../ops/shape.js";
import { tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import { Transform } from "./transform.js";

/** An image tensor [..., C, H, W] from a [H, W] or [..., C, H, W] tensor (torchvision.transforms.v2.ToImage). */
export class ToImage extends Transform {
  forward(input: Tensor): Tensor {
    if (input.ndim < 2) {
      throw new RangeError(
        `ToImage: an image needs at least 2 dimensions (H, W), got shape [${input.shape.join(", ")}]`,
      );
    }
    return input.ndim === 2 ? input.unsqueeze(0) : input;
  }
}

const INT_MAX: Partial<Record<DType, number>> = {
  uint8: 255,
  int8: 127,
  int16: 32767,
  int32: 2147483647,
  int64: 2 ** 63 - 1, // 2^63 as a double, as Python's float(2**63 - 1)
};

/** ToDtype's options after `dtype` (the YAML's keys). */
export interface ToDtypeOptions {
  /** Rescale values to the new dtype's range (uint8 255 -> float 1.0), default false. */
  scale?: boolean;
}

// "torch.float32" (a Python config's spelling) or "float32".
function parseDtype(dtype: string): DType {
  const name = dtype.startsWith("torch.") ? dtype.slice(6) : dtype;
  const aliases: Record<string, DType> = {
    float: "float32",
    double: "float64",
    half: "float16",
    long: "int64",
    int: "int32",
  };
  const resolved = (aliases[name] ?? name) as DType;
  if (!(resolved in INT_MAX) && !isFloatingDtype(resolved)) {
    throw new TypeError(`ToDtype: unknown dtype '${dtype}' (use e.g. float32, torch.float32, uint8)`);
  }
  return resolved;
}

/** Converts an image's dtype, optionally rescaling its values (torchvision.transforms.v2.ToDtype). */
export class ToDtype extends Transform {
  readonly dtype: DType;
  readonly scale: boolean;

  /** `dtype` as "float32" or "torch.float32"; `scale` as ToDtypeOptions (or a boolean, torchvision's 2nd argument). */
  constructor(dtype: DType | string, opts: ToDtypeOptions | boolean = {}) {
    super();
    this.dtype = parseDtype(dtype);
    this.scale = typeof opts === "boolean" ? opts : (opts.scale ?? false);
  }

  // torchvision's to_dtype_image.
  forward(input: Tensor): Tensor {
    const from = input.dtype;
    if (from === this.dtype) return input;
    if (!this.scale) return input.to(this.dtype);
    const floatIn = isFloatingDtype(from);
    const floatOut = isFloatingDtype(this.dtype);
    if (floatIn && floatOut) return input.to(this.dtype);
    if (!floatIn && floatOut) {
      const max = INT_MAX[from];
      if (max === undefined) throw new TypeError(`ToDtype: cannot scale a ${from} image`);
      return tidy(() => input.to(this.dtype).mul_(1.0 / max));
    }
    if (floatIn) {
      if (
        (from === "float32" && (this.dtype === "int32" || this.dtype === "int64")) ||
        (from === "float64" && this.dtype === "int64")
      ) {
        throw new TypeError(`The conversion from ${from} to ${this.dtype} cannot be performed safely.`);
      }
      const max = INT_MAX[this.dtype]!;
      return tidy(() => input.mul(max + 1.0 - 1e-3).to(this.dtype));
    }
    throw new TypeError(
      `ToDtype: scaling between integer dtypes (${from} -> ${this.dtype}) is not supported; use scale=false`,
    );
  }

  protected override extraRepr(): string {
    return `scale=${this.scale ? "True" : "False"}`;
  }
}

/** Normalize's options after mean and std (the YAML's keys). */
export interface NormalizeOptions {
  /** Normalize the input tensor itself (default false). */
  inplace?: boolean;
}

/** (image - mean[c]) / std[c] per channel of a float image (torchvision.transforms.v2.Normalize). */
export class Normalize extends Transform {
  readonly mean: number[];
  readonly std: number[];
  readonly inplace: boolean;

  /** One mean and std per channel (or one for all); see NormalizeOptions. */
  constructor(mean: number[] | number, std: number[] | number, opts: NormalizeOptions = {}) {
    super();
    this.mean = typeof mean === "number" ? [mean] : [...mean];
    this.std = typeof std === "number" ? [std] : [...std];
    this.inplace = opts.inplace ?? false;
  }

  // torchvision's normalize_image: mean and std as tensors of the image's dtype, image.sub(mean).div_(std).
  forward(input: Tensor): Tensor {
    if (!isFloatingDtype(input.dtype)) {
      throw new TypeError(
        `Input tensor should be a float tensor. Got ${input.dtype}. (Put ToDtype(float32, scale=true) before Normalize.)`,
      );
    }
    if (input.ndim < 3) {
      throw new RangeError(
        `Expected tensor to be a tensor image of size (..., C, H, W). Got [${input.shape.join(", ")}].`,
      );
    }
    if (this.std.some((s) => s === 0))
      throw new RangeError("std evaluated to zero, leading to division by zero.");
    return tidy(() => {
      const mean = tensor(this.mean, { dtype: input.dtype, device: input.device }).view([-1, 1, 1]);
      const std = tensor(this.std, { dtype: input.dtype, device: input.device }).view([-1, 1, 1]);
      const centred = this.inplace ? input.sub_(mean) : input.sub(mean);
      return centred.div_(std);
    });
  }

  protected override extraRepr(): string {
    const list = (v: number[]) => `[${v.join(", ")}]`;
    return `mean=${list(this.mean)}, std=${list(this.std)}, inplace=${this.inplace ? "True" : "False"}`;
  }
}
