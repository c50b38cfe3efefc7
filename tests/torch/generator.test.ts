// torch.Generator: determinism, PyTorch's streams for the same seeds (fixture from
// scripts/fixtures/make_data_fixtures.py), state round trips, and the global generator's state.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { randintWith, randnWith, randpermWith, randWith } from "../../src/torch/generator.js";
import * as torch from "../../src/torch/index.js";
import { testOnDevices } from "./devices.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/data/data.json", import.meta.url), "utf8"));
const gen = fixture.generator;

const ints = (t: torch.Tensor): number[] => torch.tidy(() => t.toArray() as number[]);
const floats = (t: torch.Tensor): string[] => Array.from(t.toTypedArray() as Float32Array, (v) => String(v));
const hex = (t: torch.Tensor): string => Buffer.from(t.toTypedArray() as Uint8Array).toString("hex");

test("randperm with a seeded generator equals PyTorch's", () => {
  torch.tidy(() => {
    const g42 = new torch.Generator().manualSeed(42);
    assert.deepEqual(ints(randpermWith(10, { generator: g42 })), gen.randperm10_seed42);
    assert.deepEqual(
      ints(randpermWith(100, { generator: new torch.Generator().manualSeed(0) })),
      gen.randperm100_seed0,
    );
  });
});

test("seeds beyond 2^53 (bigint) and negative seeds follow PyTorch", () => {
  torch.tidy(() => {
    const big = new torch.Generator().manualSeed(2n ** 63n + 5n);
    assert.equal(big.initialSeed(), 2n ** 63n + 5n);
    assert.deepEqual(ints(randpermWith(8, { generator: big })), gen.randperm8_seed_2pow63_plus5);
    const neg = new torch.Generator().manualSeed(-1);
    assert.equal(String(neg.initialSeed()), gen.initial_seed_minus1);
    assert.deepEqual(ints(randpermWith(8, { generator: neg })), gen.randperm8_seed_minus1);
  });
});

test("a stream of mixed draws equals PyTorch's, value for value", () => {
  torch.tidy(() => {
    const s = gen.stream;
    const g = new torch.Generator().manualSeed(s.seed);
    assert.deepEqual(ints(randpermWith(5, { generator: g })), s.randperm5);
    assert.deepEqual(floats(randWith(3, { generator: g })), s.rand3);
    assert.deepEqual(floats(randnWith(3, { generator: g })), s.randn3);
    assert.deepEqual(ints(randintWith(0, 100, [4], { generator: g })), s.randint4);
    assert.deepEqual(floats(randnWith(3, { generator: g, dtype: "float64" })), s.randn3_float64);
  });
});

test("a new generator starts from PyTorch's default seed; seed() reseeds nondeterministically", () => {
  const g = new torch.Generator();
  assert.equal(g.initialSeed(), gen.default_seed);
  assert.equal(g.device, "cpu");
  const s1 = g.seed();
  assert.equal(g.initialSeed(), s1);
  assert.ok(Number.isSafeInteger(s1));
  assert.notEqual(new torch.Generator().seed(), s1);
});

test("manualSeed returns the generator and makes draws repeatable", () => {
  torch.tidy(() => {
    const g = new torch.Generator();
    assert.equal(g.manualSeed(3), g);
    const a = floats(randWith([4], { generator: g }));
    const b = floats(randWith([4], { generator: g.manualSeed(3) }));
    const c = floats(randWith([4], { generator: g }));
    assert.deepEqual(a, b);
    assert.notDeepEqual(b, c);
  });
});

test("getState/setState: the state equals PyTorch's bytes and restores the stream", () => {
  torch.tidy(() => {
    const g = new torch.Generator().manualSeed(11);
    const state = g.getState();
    assert.equal(state.dtype, "uint8");
    assert.equal(hex(state), gen.state_seed11_hex);
    const first = floats(randnWith([5], { generator: g }));
    randpermWith(50, { generator: g });
    const other = new torch.Generator().setState(state);
    assert.deepEqual(floats(randnWith([5], { generator: other })), first);
  });
});

test("setState rejects a tensor that is not a generator state", () => {
  torch.tidy(() => {
    const g = new torch.Generator();
    assert.throws(() => g.setState(torch.zeros([3], { dtype: "uint8" })), torch.TorchError);
  });
});

test("the global generator's state: PyTorch's bytes after manualSeed, and restoring replays draws", () => {
  torch.tidy(() => {
    const gs = fixture.global_state;
    torch.manualSeed(gs.manual_seed);
    const state = torch.getRngState();
    assert.equal(hex(state), gs.state_hex);
    assert.deepEqual(ints(torch.randperm(10)), gs.randperm10);
    torch.rand([7]);
    torch.setRngState(state);
    assert.deepEqual(ints(randpermWith(10)), gs.randperm10);
  });
});

test("a seed that is not an integer is rejected with a clear message", () => {
  assert.throws(() => new torch.Generator().manualSeed(1.5), /seed must be a safe integer/);
  assert.throws(() => new torch.Generator().manualSeed(2n ** 64n), /fit in 64 bits/);
});

testOnDevices("generator on the device gives repeatable draws there", (device) => {
  torch.tidy(() => {
    const a = new torch.Generator(device).manualSeed(5);
    const b = new torch.Generator(device).manualSeed(5);
    assert.ok(a.device.startsWith(device));
    const x = randWith([16], { generator: a, device });
    const y = randWith([16], { generator: b, device });
    assert.ok(x.device.startsWith(device));
    assert.deepEqual(floats(x), floats(y));
    const state = torch.getRngState(device);
    const r1 = floats(randWith([4], { device }));
    torch.setRngState(state, device);
    assert.deepEqual(floats(randWith([4], { device })), r1);
  });
});

test("torch.randperm/rand take a seeded generator like PyTorch's keyword", () => {
  torch.tidy(() => {
    const perm = torch.randperm(10, { generator: new torch.Generator().manualSeed(42) });
    assert.deepEqual(ints(perm), gen.randperm10_seed42);
    const r1 = torch.rand([3], { generator: new torch.Generator().manualSeed(7) }).toArray();
    const r2 = torch.rand([3], { generator: new torch.Generator().manualSeed(7) }).toArray();
    assert.deepEqual(r1, r2);
    assert.notDeepEqual(r1, torch.rand([3], { generator: new torch.Generator().manualSeed(8) }).toArray());
  });
});
