/** Image transforms named as torchvision.transforms.v2 (for per-sample augmentation in a Dataset). */
export { Normalize, type NormalizeOptions, ToDtype, type ToDtypeOptions, ToImage } from "./convert.js";
export {
  type PaddingMode,
  RandomCrop,
  type RandomCropOptions,
  type RandomFlipOptions,
  RandomHorizontalFlip,
  RandomVerticalFlip,
} from "./geometry.js";
export { applyTransform, Compose, type ComposeOptions, Transform, type TransformLike } from "./transform.js";
