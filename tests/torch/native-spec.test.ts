// One native spec: the C++ registers every binding in one style (a kOps table of {name, function, arity} per
// family), and those tables, the addon's exports and the TypeScript NativeAddon declarations name the same
// bindings with the same number of arguments.
import assert from "node:assert/strict";
import { test } from "node:test";
import { native } from "../../src/torch/native.js";
import { cppBindings, strayRegistrations, tsBindings } from "./native-spec.js";

test("every binding is registered through a kOps table, once", () => {
  assert.deepEqual(strayRegistrations(), []);
  const names = cppBindings().map((b) => b.name);
  assert.deepEqual(
    names.filter((n, i) => names.indexOf(n) !== i),
    [],
    "registered twice",
  );
});

test("the kOps tables list exactly the addon's exports", () => {
  const registered = cppBindings()
    .map((b) => b.name)
    .sort();
  assert.deepEqual(Object.keys(native()).sort(), registered);
});

test("C++ registrations and the TypeScript NativeAddon are the same set with the same arity", () => {
  const cpp = new Map(cppBindings().map((b) => [b.name, b]));
  const declared = new Map(tsBindings().map((b) => [b.name, b]));
  const onlyCpp = [...cpp.keys()].filter((n) => !declared.has(n)).sort();
  const onlyTs = [...declared.keys()].filter((n) => !cpp.has(n)).sort();
  assert.deepEqual({ onlyCpp, onlyTs }, { onlyCpp: [], onlyTs: [] });
  const mismatched = [...cpp.values()]
    .filter((b) => declared.get(b.name)!.maxArgs !== b.arity)
    .map((b) => `${b.name}: C++ arity ${b.arity} (native/${b.file}), TS ${declared.get(b.name)!.maxArgs}`);
  assert.deepEqual(mismatched, []);
});

test("a binding given more arguments than its arity throws a TypeError naming it", () => {
  const addon = native() as unknown as Record<string, (...args: unknown[]) => unknown>;
  assert.throws(() => addon.getNumThreads!(1), {
    name: "TypeError",
    message: "getNumThreads() takes at most 0 arguments (1 given)",
  });
});
