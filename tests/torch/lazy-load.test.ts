// Importing the torch namespace must not load libtorch; the first tensor operation does.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../../src/torch/index.js";
import { isNativeLoaded } from "../../src/torch/native.js";

test("the addon loads on first use, not on import", () => {
  assert.equal(isNativeLoaded(), false);
  const t = torch.ones([1]);
  assert.equal(isNativeLoaded(), true);
  t.dispose();
});
