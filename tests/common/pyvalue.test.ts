import assert from "node:assert/strict";
import { test } from "node:test";
import { formatPyFloat, PyFloat, pyStr } from "../../src/common/pyvalue.js";

test("formatPyFloat matches Python repr(float)", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [0.001, "0.001"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1e-7, "1e-07"],
    [1e16, "1e+16"],
    [1e20, "1e+20"],
    [1234567890123456, "1234567890123456.0"],
    [0.3333333333333333, "0.3333333333333333"],
    [0.8169381618499756, "0.8169381618499756"],
    [-2.5, "-2.5"],
    [1.5e-10, "1.5e-10"],
    [123.456, "123.456"],
    [Number.NaN, "nan"],
    [Number.POSITIVE_INFINITY, "inf"],
    [Number.NEGATIVE_INFINITY, "-inf"],
    [0, "0.0"],
    [-0, "-0.0"],
    [1e15, "1000000000000000.0"],
  ];
  for (const [x, want] of cases) assert.equal(formatPyFloat(x), want, `repr(${x})`);
});

test("pyStr follows Python str()", () => {
  assert.equal(pyStr(true), "True");
  assert.equal(pyStr(null), "None");
  assert.equal(pyStr(3), "3");
  assert.equal(pyStr(new PyFloat(3)), "3.0");
  assert.equal(pyStr(0.5), "0.5");
  assert.equal(pyStr("x"), "x");
});
