// Lightning's `Checkpoint` callback base (lightning.pytorch.callbacks.Checkpoint), named CheckpointCallback here
// because `Checkpoint` is the checkpoint dict's type. The Trainer runs callbacks of this class after the others,
// finds trainer.checkpointCallback among them, and calls their on_train_epoch_end after the module's.
import { Callback } from "./callback.js";

/** Base class of the callbacks that save checkpoints (ModelCheckpoint). */
export class CheckpointCallback extends Callback {}
