// Models shared by the nn tests, mirroring the Python ones in scripts/fixtures/make_nn_fixtures.py.
import * as torch from "../../../src/torch/index.js";

const { nn } = torch;

/** Net: `model` = Sequential(Linear(4, 8), BatchNorm1d(8), ReLU(), Linear(8, 2)). */
export class Net extends nn.Module {
  model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));

  override forward(x: torch.Tensor): torch.Tensor {
    return this.model.call(x);
  }
}

/** Outer: `net` = Net, `head` = Linear(2, 2, bias=False); keys like `net.model.0.weight`. */
export class Outer extends nn.Module {
  net = new Net();
  head = new nn.Linear(2, 2, { bias: false });

  override forward(x: torch.Tensor): torch.Tensor {
    return this.head.call(this.net.call(x));
  }
}

/** A fixture tensor: shape, dtype and values as nested lists. */
export interface FixtureTensor {
  shape: number[];
  dtype?: string;
  values: torch.NestedArray;
}

/** A float32 tensor from a fixture entry. */
export function fromFixture(f: FixtureTensor, dtype: torch.DType = "float32"): torch.Tensor {
  return torch.tensor(f.values, { dtype });
}

/** Asserts that `t` holds exactly the fixture's values (bitwise for float32), with its shape. */
export function assertExact(t: torch.Tensor, f: FixtureTensor, what: string): void {
  assertClose(t, f, what, 0);
}

/** Asserts shape equality and |t - f| <= tol elementwise (tol 0: exact). */
export function assertClose(t: torch.Tensor, f: FixtureTensor, what: string, tol: number): void {
  const shape = t.shape;
  if (JSON.stringify(shape) !== JSON.stringify(f.shape)) {
    throw new Error(`${what}: shape [${shape}] != expected [${f.shape}]`);
  }
  const got = Array.from(t.cpu().toTypedArray() as ArrayLike<number | bigint>, Number);
  const want = flatValues(f.values);
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values != expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const ok =
      tol === 0 ? got[i] === want[i] : Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!));
    if (!ok) throw new Error(`${what}[${i}]: ${got[i]} != expected ${want[i]} (tolerance ${tol})`);
  }
}

function flatValues(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flatValues) : [Number(v)];
}
