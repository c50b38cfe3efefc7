/** Element types a tensor can hold (names as in PyTorch without the `torch.` prefix). */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool";

/** Where a tensor lives: "cpu", "cuda" (the current GPU) or "cuda:N". */
export type Device = "cpu" | "cuda" | `cuda:${number}`;

/** Options shared by the factory functions. */
export interface TensorOptions {
  dtype?: DType;
  device?: Device | string;
  requiresGrad?: boolean;
}

export const float32: DType = "float32";
export const float64: DType = "float64";
export const float16: DType = "float16";
export const bfloat16: DType = "bfloat16";
export const int64: DType = "int64";
export const int32: DType = "int32";
export const uint8: DType = "uint8";
// `bool` is a reserved-looking name in TS consumers' eyes; export it under PyTorch's name anyway.
export const bool: DType = "bool";
export const float: DType = "float32";
export const double: DType = "float64";
export const half: DType = "float16";
export const long: DType = "int64";

/** True for the floating dtypes (the ones that can require gradients). */
export function isFloatingDtype(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16";
}
