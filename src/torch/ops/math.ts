// Elementwise math and matrix products, one file per family. This module is the entry point the rest of
// Kiln imports (`torch/index.ts` re-exports it; some modules import it only so that the Tensor methods are
// installed), so it loads every family and re-exports its functions.
// In-place methods have no torch.* functions to re-export; importing the file installs them on Tensor.
import "./in-place.js";

export * from "./arithmetic.js";
export * from "./comparison.js";
export * from "./matrix-products.js";
export * from "./unary.js";
