// torchvision.transforms.v2 as Kiln has them: the same outputs as torchvision 0.28 for the same seed (crops,
// flips, paddings of every mode, uint8 -> float scaling, per-channel normalization), the same reprs, the
// errors torchvision raises, and a Compose built from a config list through the Python names.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { instantiate } from "../../../src/config/index.js";
import * as torch from "../../../src/torch/index.js";
import * as T from "../../../src/torch/transforms/index.js";
import { registerKilnTargets } from "../../../src/utils/targets.js";

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/transforms/transforms.json", import.meta.url), "utf8"),
);

interface PipelineCase {
  name: string;
  seed: number;
  inputs: number[][];
  input_shape: number[];
  outputs: (string | number)[][];
  output_shapes: number[][];
  dtype: string;
  after: string;
}

const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.243, 0.261];

// The same transforms the fixture script built, by case name.
function pipelineOf(name: string): T.Transform {
  if (name === "cifar_style") {
    return new T.Compose([
      new T.ToImage(),
      new T.RandomCrop(6, { padding: 2 }),
      new T.RandomHorizontalFlip(),
      new T.ToDtype("float32", { scale: true }),
      new T.Normalize(MEAN, STD),
    ]);
  }
  if (name.startsWith("crop_")) {
    const mode = name.slice(5) as T.PaddingMode;
    return new T.RandomCrop([5, 7], {
      padding: [1, 2, 3, 1],
      padding_mode: mode,
      fill: mode === "constant" ? 9 : 0,
    });
  }
  if (name === "pad_if_needed") return new T.RandomCrop(10, { pad_if_needed: true });
  if (name === "vertical_flip") return new T.RandomVerticalFlip({ p: 0.3 });
  if (name === "mnist_gray_2d") {
    return new T.Compose([
      new T.ToImage(),
      new T.ToDtype("torch.float32", true),
      new T.Normalize([0.1307], [0.3081]),
    ]);
  }
  throw new Error(`no pipeline for ${name}`);
}

for (const c of fixture.pipelines as PipelineCase[]) {
  test(`${c.name}: the same images as torchvision for seed ${c.seed}`, () => {
    const transform = pipelineOf(c.name);
    torch.manualSeed(c.seed);
    torch.tidy(() => {
      const shape = c.input_shape;
      c.inputs.forEach((values, i) => {
        const input = torch.tensor(values, { dtype: "uint8" }).reshape(shape);
        const out = transform.forward(input);
        assert.deepEqual(out.shape, c.output_shapes[i], `image ${i}: shape`);
        assert.equal(out.dtype, c.dtype, `image ${i}: dtype`);
        const got = Array.from(out.toTypedArray() as ArrayLike<number>, Number);
        const want = c.outputs[i]!.map(Number);
        assert.deepEqual(got, want, `image ${i}: values`);
      });
      // The generator advanced by exactly torchvision's draws.
      assert.equal(torch.rand([1]).item(), Number(c.after));
    });
  });
}

test("reprs are torchvision's", () => {
  const r = fixture.reprs;
  assert.equal(new T.Compose([new T.ToImage(), new T.RandomHorizontalFlip(0.25)]).toString(), r.Compose);
  assert.equal(new T.RandomCrop(32, { padding: 4 }).toString(), r.RandomCrop);
  assert.equal(new T.RandomCrop([5, 7]).toString(), r.RandomCropNone);
  assert.equal(new T.Normalize(MEAN, STD).toString(), r.Normalize);
  assert.equal(new T.ToDtype("float32", { scale: true }).toString(), r.ToDtype);
});

test("bad arguments and inputs give torchvision's errors", () => {
  assert.throws(
    () => new T.RandomHorizontalFlip(1.5),
    /`p` should be a floating point value in the interval \[0.0, 1.0\]/,
  );
  assert.throws(() => new T.RandomCrop([1, 2, 3]), /two dimensions \(h, w\) for size/);
  assert.throws(
    () => new T.RandomCrop(4, { padding: [1, 2, 3] }),
    /1, 2, or 4 element tuple, not a 3 element tuple/,
  );
  assert.throws(
    () => new T.RandomCrop(4, { padding_mode: "wrap" as T.PaddingMode }),
    /constant, edge, reflect or symmetric/,
  );
  assert.throws(() => new T.ToDtype("complex64"), /unknown dtype 'complex64'/);
  torch.tidy(() => {
    const img = torch.zeros([1, 4, 4], { dtype: "uint8" });
    assert.throws(
      () => new T.RandomCrop(5).forward(img),
      /Required crop size \(5, 5\) is larger than input image size \(4, 4\)/,
    );
    assert.throws(
      () => new T.Normalize([0.5], [0.5]).forward(img),
      /Input tensor should be a float tensor. Got uint8/,
    );
    assert.throws(() => new T.Normalize([0.5], [0]).forward(img.to("float32")), /std evaluated to zero/);
    assert.throws(
      () => new T.ToDtype("int32", true).forward(img.to("float32")),
      /from float32 to int32 cannot be performed safely/,
    );
  });
});

test("Compose frees the intermediate images and leaves the input to the caller", () => {
  const compose = new T.Compose([
    new T.ToImage(),
    new T.RandomCrop(3, { padding: 1 }),
    new T.ToDtype("float32", true),
    (x: torch.Tensor) => x.mul(2),
  ]);
  const input = torch.ones([4, 4], { dtype: "uint8" });
  const before = torch.memoryStats().liveTensors;
  const out = compose.forward(input);
  assert.deepEqual(out.shape, [1, 3, 3]);
  assert.equal(torch.memoryStats().liveTensors, before + 1, "only the result is left");
  assert.equal(input.isDisposed, false);
  out.dispose();
  input.dispose();
});

test("a Compose from a config list, through the Python names", async () => {
  registerKilnTargets();
  const compose = (await instantiate({
    _target_: "torchvision.transforms.v2.Compose",
    transforms: [
      { _target_: "torchvision.transforms.v2.ToImage" },
      { _target_: "torchvision.transforms.v2.RandomCrop", size: 32, padding: 4 },
      { _target_: "torchvision.transforms.v2.RandomHorizontalFlip" },
      { _target_: "torchvision.transforms.v2.ToDtype", dtype: "torch.float32", scale: true },
      { _target_: "torchvision.transforms.v2.Normalize", mean: MEAN, std: STD },
    ],
  })) as T.Compose;
  assert.ok(compose instanceof T.Compose);
  assert.deepEqual(
    compose.transforms.map((t) => t.constructor.name),
    ["ToImage", "RandomCrop", "RandomHorizontalFlip", "ToDtype", "Normalize"],
  );
  const crop = compose.transforms[1] as T.RandomCrop;
  assert.deepEqual(crop.padding, [4, 4, 4, 4]);
  torch.tidy(() => {
    const out = compose.forward(torch.zeros([3, 32, 32], { dtype: "uint8" }));
    assert.deepEqual(out.shape, [3, 32, 32]);
    assert.equal(out.dtype, "float32");
  });
});
