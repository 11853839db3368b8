// Exact arithmetic for the pre-copy engine's round boundaries.
//
// "Exact" means exact for the decimals the user wrote: a JS number is read
// as the shortest decimal that prints it (String(x)), which recovers what
// was typed, and that decimal becomes a BigInt fraction. The engine runs in
// floating point and asks for the exact value only when a decision (how
// many write events fall before a boundary) is within rounding distance of
// flipping: a floating-point filter, so speed is kept.

/** A fraction n / d with d > 0, in lowest terms. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function make(n: bigint, d: bigint): Rational {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

/** The exact value of the shortest decimal that prints `x` (finite `x`). */
export function rationalOf(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`not finite: ${x}`);
  const text = String(x);
  const e = text.indexOf("e");
  const mantissa = e < 0 ? text : text.slice(0, e);
  let exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  let digits = mantissa;
  if (dot >= 0) {
    exponent -= mantissa.length - dot - 1;
    digits = mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  }
  const n = BigInt(digits);
  return exponent >= 0
    ? { n: n * 10n ** BigInt(exponent), d: 1n }
    : make(n, 10n ** BigInt(-exponent));
}

/** a + b. */
export function add(a: Rational, b: Rational): Rational {
  return a.d === b.d
    ? make(a.n + b.n, a.d)
    : make(a.n * b.d + b.n * a.d, a.d * b.d);
}

/** a - b. */
export function sub(a: Rational, b: Rational): Rational {
  return add(a, { n: -b.n, d: b.d });
}

/** a x b. */
export function mul(a: Rational, b: Rational): Rational {
  return make(a.n * b.n, a.d * b.d);
}

/** a / b (b not 0). */
export function div(a: Rational, b: Rational): Rational {
  return make(a.n * b.d, a.d * b.n);
}

/** The smallest integer >= r. */
export function ceilOf(r: Rational): bigint {
  const q = r.n / r.d; // truncates towards zero
  return r.n > 0n && q * r.d !== r.n ? q + 1n : q;
}

/** The largest integer <= r. */
export function floorOf(r: Rational): bigint {
  const q = r.n / r.d;
  return r.n < 0n && q * r.d !== r.n ? q - 1n : q;
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compare(a: Rational, b: Rational): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** The rational of a safe integer. */
export function integer(k: number): Rational {
  return { n: BigInt(k), d: 1n };
}

/** Relative rounding bound of a float built from `operations` roundings. */
export function roundingBound(value: number, operations: number): number {
  return Math.abs(value) * (operations + 4) * 2 ** -52 + 2 ** -1000;
}

/**
 * ceil(x) when the exact value lies within `bound` of the float `x` and no
 * integer lies within that distance; otherwise undefined (ask exactly).
 */
export function ceilIfSafe(x: number, bound: number): number | undefined {
  const lo = Math.ceil(x - bound);
  return lo === Math.ceil(x + bound) ? lo : undefined;
}

/**
 * floor(x) when the exact value lies within `bound` of the float `x` and no
 * integer lies within that distance; otherwise undefined (ask exactly).
 */
export function floorIfSafe(x: number, bound: number): number | undefined {
  const lo = Math.floor(x - bound);
  return lo === Math.floor(x + bound) ? lo : undefined;
}

/**
 * Whether a < b, decided in floating point when the two are further apart
 * than `bound`, exactly otherwise.
 */
export function lessThan(
  a: number,
  b: number,
  bound: number,
  exactA: () => Rational,
  exactB: () => Rational,
): boolean {
  if (a < b - bound) return true;
  if (a > b + bound) return false;
  return compare(exactA(), exactB()) < 0;
}

/**
 * The write events k >= 0 at times k / rate strictly before the time whose
 * float is `t` and exact value `exact()`: ceil(t x rate), exact. The exact
 * values are asked for only when the float is too close to call;
 * `operations` bounds the roundings that made `t`.
 */
export function eventsBefore(
  ratePerSecond: number,
  rateExact: () => Rational,
  t: number,
  operations: number,
  exact: () => Rational,
): number {
  if (ratePerSecond <= 0 || t <= 0) return 0;
  const x = t * ratePerSecond;
  const safe = ceilIfSafe(x, roundingBound(x, operations));
  if (safe !== undefined) return Math.max(0, safe);
  const k = ceilOf(mul(exact(), rateExact()));
  return k > 0n ? Number(k) : 0;
}
