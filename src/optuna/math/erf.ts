/**
 * erf and erfc as C's libm computes them (the Sun fdlibm algorithm that glibc's and Python's `math.erf` use):
 * Optuna's truncated-normal code calls `math.erf`/`math.erfc`, and JavaScript has neither.
 */

const erx = 0.8450629115104675;
const efx = 0.1283791670955126;
const efx8 = 1.0270333367641007;
const tiny = 1e-300;

const pp = [
  0.12837916709551256, -0.3250421072470015, -0.02848174957559851, -0.005770270296489442,
  -0.000023763016656650163,
];
const qq = [
  0.39791722395915535, 0.0650222499887673, 0.005081306281875766, 0.00013249473800432164,
  -0.000003960228278775368,
];
const pa = [
  -0.0023621185607526594, 0.41485611868374833, -0.3722078760357013, 0.31834661990116175, -0.11089469428239668,
  0.035478304325618236, -0.002166375594868791,
];
const qa = [
  0.10642088040084423, 0.540397917702171, 0.07182865441419627, 0.12617121980876164, 0.01363708391202905,
  0.011984499846799107,
];
const ra = [
  -0.009864944034847148, -0.6938585727071818, -10.558626225323291, -62.375332450326006, -162.39666946257347,
  -184.60509290671104, -81.2874355063066, -9.814329344169145,
];
const sa = [
  19.651271667439257, 137.65775414351904, 434.56587747522923, 645.3872717332679, 429.00814002756783,
  108.63500554177944, 6.570249770319282, -0.0604244152148581,
];
const rb = [
  -0.0098649429247001, -0.799283237680523, -17.757954917754752, -160.63638485582192, -637.5664433683896,
  -1025.0951316110772, -483.5191916086514,
];
const sb = [
  30.33806074348246, 325.7925129965739, 1536.729586084437, 3199.8582195085955, 2553.0504064331644,
  474.52854120695537, -22.44095244658582,
];

/** c0 + s*(c1 + s*(c2 + ...)): the nesting fdlibm writes out by hand. */
function horner(c: readonly number[], s: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = c[i] + s * r;
  return r;
}

/** 1 + s*(c0 + s*(c1 + ...)). */
function horner1(c: readonly number[], s: number): number {
  return 1 + s * horner(c, s);
}

const view = new DataView(new ArrayBuffer(8));

function highWord(x: number): number {
  view.setFloat64(0, x);
  return view.getInt32(0);
}

function withLowWordZero(x: number): number {
  view.setFloat64(0, x);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/** exp(-x^2 - 0.5625 + R/S) split the way fdlibm does, for the tails of erf and erfc. */
function tail(x: number, ix: number, forErfc: boolean): number {
  const s = 1 / (x * x);
  const small = forErfc ? ix < 0x4006db6d : ix < 0x4006db6e;
  const R = small ? horner(ra, s) : horner(rb, s);
  const S = small ? horner1(sa, s) : horner1(sb, s);
  const z = withLowWordZero(x);
  return Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + R / S);
}

/** The error function. */
export function erf(x: number): number {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) return 1 - ((hx >>> 31) << 1) + 1 / x;
  if (ix < 0x3feb0000) {
    if (ix < 0x3e300000) {
      if (ix < 0x00800000) return 0.125 * (8.0 * x + efx8 * x);
      return x + efx * x;
    }
    const z = x * x;
    return x + x * (horner(pp, z) / horner1(qq, z));
  }
  if (ix < 0x3ff40000) {
    const s = Math.abs(x) - 1;
    const PQ = horner(pa, s) / horner1(qa, s);
    return hx >= 0 ? erx + PQ : -erx - PQ;
  }
  if (ix >= 0x40180000) return hx >= 0 ? 1 - tiny : tiny - 1;
  const ax = Math.abs(x);
  const r = tail(ax, ix, false);
  return hx >= 0 ? 1 - r / ax : r / ax - 1;
}

/** The complementary error function 1 - erf(x), accurate in the right tail. */
export function erfc(x: number): number {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) return ((hx >>> 31) << 1) + 1 / x;
  if (ix < 0x3feb0000) {
    if (ix < 0x3c700000) return 1 - x;
    const z = x * x;
    const y = horner(pp, z) / horner1(qq, z);
    if (hx < 0x3fd00000) return 1 - (x + x * y);
    let r = x * y;
    r += x - 0.5;
    return 0.5 - r;
  }
  if (ix < 0x3ff40000) {
    const s = Math.abs(x) - 1;
    const PQ = horner(pa, s) / horner1(qa, s);
    return hx >= 0 ? 1 - erx - PQ : 1 + (erx + PQ);
  }
  if (ix < 0x403c0000) {
    if (hx < 0 && ix >= 0x40180000) return 2 - tiny;
    const ax = Math.abs(x);
    const r = tail(ax, ix, true);
    return hx > 0 ? r / ax : 2 - r / ax;
  }
  return hx > 0 ? tiny * tiny : 2 - tiny;
}
