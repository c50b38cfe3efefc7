/** The mapping between Kiln dtypes, their byte sizes and PyTorch's legacy `torch.<X>Storage` class names. */
import type { DType } from "./types.js";

interface DTypeInfo {
  storageClass: string;
  elementSize: number;
}

const DTYPES: Record<DType, DTypeInfo> = {
  float32: { storageClass: "FloatStorage", elementSize: 4 },
  float64: { storageClass: "DoubleStorage", elementSize: 8 },
  float16: { storageClass: "HalfStorage", elementSize: 2 },
  bfloat16: { storageClass: "BFloat16Storage", elementSize: 2 },
  int64: { storageClass: "LongStorage", elementSize: 8 },
  int32: { storageClass: "IntStorage", elementSize: 4 },
  int16: { storageClass: "ShortStorage", elementSize: 2 },
  int8: { storageClass: "CharStorage", elementSize: 1 },
  uint8: { storageClass: "ByteStorage", elementSize: 1 },
  bool: { storageClass: "BoolStorage", elementSize: 1 },
};

const BY_STORAGE_CLASS = new Map<string, DType>(
  Object.entries(DTYPES).map(([dtype, info]) => [info.storageClass, dtype as DType]),
);

/** Bytes per element of a dtype. */
export function elementSize(dtype: DType): number {
  return DTYPES[dtype].elementSize;
}

/** The `torch.<X>Storage` class name torch.save uses for a dtype (without the `torch.` module). */
export function storageClassOf(dtype: DType): string {
  return DTYPES[dtype].storageClass;
}

/** The dtype of a `torch.<X>Storage` class name, or undefined for one Kiln cannot hold. */
export function dtypeOfStorageClass(name: string): DType | undefined {
  return BY_STORAGE_CLASS.get(name);
}

/** The dtype of a torch dtype attribute name (`float32`, `float`, `long`, ...), or undefined. */
export function dtypeOfTorchName(name: string): DType | undefined {
  if (name in DTYPES) return name as DType;
  const aliases: Record<string, DType> = {
    float: "float32",
    double: "float64",
    half: "float16",
    long: "int64",
    int: "int32",
    short: "int16",
  };
  return aliases[name];
}

/** True when `name` is one of Kiln's dtypes. */
export function isDType(name: string): name is DType {
  return name in DTYPES;
}
