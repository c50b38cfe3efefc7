// The layer sizes of configs/model/mnist.yaml. SimpleDenseNet's own defaults are the Python class's
// (784-256-256-256-10), so every benchmark side that builds the net itself must pass these.

/** SimpleDenseNet 784-64-128-64-10, as the template's model config builds it. */
export const TEMPLATE_SIZES = {
  input_size: 784,
  lin1_size: 64,
  lin2_size: 128,
  lin3_size: 64,
  output_size: 10,
};
