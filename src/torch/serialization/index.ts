/** Checkpoint files in PyTorch's torch.save format: save/load of tensors in plain containers. */
export { elementSize, storageClassOf } from "./dtypes.js";
export { type LoadOptions, load, loadFromBuffer } from "./load.js";
export { archiveNameFor, type SaveOptions, save, saveToBuffer } from "./save.js";
export {
  type DType,
  getTensorAdapter,
  isRawTensor,
  markOrderedDict,
  orderedDictMarker,
  pickleAttributes,
  type RawStorage,
  type RawTensor,
  SerializationError,
  setTensorAdapter,
  type TensorAdapter,
  TorchDevice,
  TorchDtype,
  Tuple,
  tuple,
} from "./types.js";
