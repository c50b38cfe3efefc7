// IDX files ((Fashion-)MNIST) as tensors: the parsed elements copied into a tensor of the file's shape.
import { fromTypedArray } from "../creation.js";
import type { Tensor } from "../tensor.js";
import { parseIdx, readIdx } from "./idx.js";

/** Reads an IDX file (raw or .gz) into a tensor of its shape and dtype (uint8 for MNIST images and labels). */
export function readIdxTensor(path: string): Tensor {
  const { data, shape } = readIdx(path);
  return fromTypedArray(data, shape);
}

/** Parses IDX bytes (raw or gzip) into a tensor; `name` appears in error messages. */
export function parseIdxTensor(bytes: Uint8Array, name?: string): Tensor {
  const { data, shape } = parseIdx(bytes, name);
  return fromTypedArray(data, shape);
}
