// Prints {"cuda": true|false} for Kiln's addon: whether `--device cuda` can run here.
import * as torch from "../../src/torch/index.js";

console.log(JSON.stringify({ cuda: torch.cuda.isAvailable() }));
