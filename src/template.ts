/**
 * `kiln/template`: the lightning-hydra-template's MNIST example (src/models, src/data), apart from the framework
 * (`kiln`). The configs name these classes as `kiln.models.MNISTLitModule` (or their Python names,
 * `src.models.mnist_module.MNISTLitModule`); `kiln train` registers those names (src/utils/targets.ts).
 */
export { MNISTDataModule, type MNISTDataModuleOptions } from "./data/mnist-datamodule.js";
export { SimpleDenseNet } from "./models/components/simple-dense-net.js";
export { MNISTLitModule } from "./models/mnist-module.js";
export { KILN_TARGETS, registerKilnTargets, TEMPLATE_ALIASES, TEMPLATE_TARGETS } from "./utils/targets.js";
