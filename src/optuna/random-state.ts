/**
 * NumPy's legacy `RandomState` (MT19937) draw for draw: Optuna's samplers take every random number from it, so
 * a sampler seeded here with `seed=1234` asks the same questions as Optuna's with the same seed (tests compare
 * with trials that real Optuna sampled). Only the methods Optuna's samplers call are here.
 */
import { randomInt } from "node:crypto";

const N = 624;
const M = 397;

/** A seeded stream of uniform numbers; `seed` null draws a seed from the OS, as NumPy does. */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  constructor(seed: number | null = null) {
    this.seed(seed);
  }

  /** Reseeds (NumPy's `mt19937_seed`); null seeds from the OS. */
  seed(seed: number | null = null): void {
    if (seed !== null && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
      throw new RangeError(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
    }
    let s = seed === null ? randomInt(0, 0xffffffff) : seed;
    for (let i = 0; i < N; i++) {
      this.mt[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  private generate(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** The next raw 32-bit draw. */
  nextUint32(): number {
    if (this.pos >= N) this.generate();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits (`random_sample`). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** `rand(n)`: n doubles in [0, 1). */
  rand(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.randomSample();
    return out;
  }

  /** `uniform(low, high)` elementwise over equal-length bounds (one draw per element, in order). */
  uniform(low: ArrayLike<number>, high: ArrayLike<number>): Float64Array {
    const out = new Float64Array(low.length);
    for (let i = 0; i < low.length; i++) {
      const range = high[i] - low[i];
      if (!Number.isFinite(range)) throw new RangeError("Range exceeds valid bounds");
      out[i] = low[i] + range * this.randomSample();
    }
    return out;
  }

  /** A uniform integer in [0, max] by masked rejection (NumPy's `random_interval`). */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new RangeError("interval: max above 2**32 - 1 is not supported");
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `randint(0, n)`: one integer in [0, n) (legacy masked draws). */
  randint(n: number): number {
    if (n < 1) throw new RangeError("randint: high <= low");
    return this.interval(n - 1);
  }

  /** `choice(n, p=weights, size)`: indices drawn by inverting the cumulative weights (side='right'). */
  choiceWeighted(weights: ArrayLike<number>, size: number): Int32Array {
    const cdf = new Float64Array(weights.length);
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i];
      cdf[i] = acc;
    }
    const last = cdf[cdf.length - 1];
    for (let i = 0; i < cdf.length; i++) cdf[i] /= last;
    const out = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const u = this.randomSample();
      let lo = 0;
      let hi = cdf.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] <= u) lo = mid + 1;
        else hi = mid;
      }
      out[k] = lo;
    }
    return out;
  }

  /** In-place Fisher-Yates shuffle in NumPy's order (`shuffle` of a list). */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }
}
