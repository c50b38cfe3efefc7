// The base of torchvision's transforms.v2 as Kiln has them: a transform maps one image tensor ([..., C, H, W])
// to another; Compose chains them in order. Random transforms draw from the default generator with the same
// calls as torchvision (torch.rand(1), torch.randint(lo, hi, ())), so a seed gives torchvision's crops and
// flips; in a DataLoader worker that is the worker's own generator (seeded base_seed + worker id).
import type { Tensor } from "../tensor.js";

/** What Compose and datasets accept as a transform: a Transform, or a function of one tensor. */
export type TransformLike = Transform | ((input: Tensor) => Tensor);

/** Base class of the transforms (torchvision.transforms.v2.Transform): override forward. */
export abstract class Transform {
  /** The transformed image (a new tensor unless the transform leaves the input as it is). */
  abstract forward(input: Tensor): Tensor;

  /** Runs forward (Python's `transform(img)`). */
  call(input: Tensor): Tensor {
    return this.forward(input);
  }

  /** The arguments shown by toString, as torchvision's extra_repr. */
  protected extraRepr(): string {
    return "";
  }

  /** torchvision's repr, e.g. `RandomHorizontalFlip(p=0.5)`. */
  toString(): string {
    return `${this.constructor.name}(${this.extraRepr()})`;
  }
}

/** Applies a transform or a function to an image. */
export function applyTransform(transform: TransformLike, input: Tensor): Tensor {
  return transform instanceof Transform ? transform.forward(input) : transform(input);
}

/** Options of Compose (the YAML's keys). */
export interface ComposeOptions {
  transforms: TransformLike[];
}

/**
 * Chains transforms: `new Compose([new RandomCrop({ size: 32, padding: 4 }), new RandomHorizontalFlip()])`, or
 * from a config, `{_target_: torchvision.transforms.v2.Compose, transforms: [...]}`. Intermediate images that a
 * later transform replaces are disposed; the input is left to the caller.
 */
export class Compose extends Transform {
  readonly transforms: TransformLike[];

  /** The transforms in the order they run. */
  constructor(transforms: TransformLike[] | ComposeOptions) {
    super();
    const list = Array.isArray(transforms) ? transforms : transforms?.transforms;
    if (!Array.isArray(list)) {
      throw new TypeError("Argument transforms should be a sequence of callables (Compose takes a list)");
    }
    list.forEach((t, i) => {
      if (!(t instanceof Transform) && typeof t !== "function") {
        throw new TypeError(`Compose: transforms[${i}] is ${typeof t}, not a transform or a function`);
      }
    });
    this.transforms = list;
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const t of this.transforms) {
      const y = applyTransform(t, x);
      if (x !== input && y !== x) x.dispose();
      x = y;
    }
    return x;
  }

  override toString(): string {
    const lines = this.transforms.map(
      (t) => `      ${t instanceof Transform ? t.toString() : t.name || "<function>"}`,
    );
    return `Compose(\n${lines.join("\n")}\n)`;
  }
}
