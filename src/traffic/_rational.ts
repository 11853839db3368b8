// Exact rational arithmetic on BigInt, for the boundary decisions of the
// timing engine. "Exact" means exact for the decimals the user wrote: a JS
// number is read as the shortest decimal that prints it (what the user
// typed), so 3.997 + 0.003 is exactly 4. The engines compute in floating
// point and call these only when two values are within a few ulps (a
// floating-point filter), so the BigInt cost is paid at boundaries only.

/** A rational n / d with d > 0, in lowest terms. */
export interface Q {
  readonly n: bigint;
  readonly d: bigint;
}

const ZERO_N = BigInt(0);
const ONE_N = BigInt(1);
const TEN_N = BigInt(10);

export const ZERO: Q = { n: ZERO_N, d: ONE_N };
export const ONE: Q = { n: ONE_N, d: ONE_N };

function gcd(a: bigint, b: bigint): bigint {
  if (a < ZERO_N) a = -a;
  if (b < ZERO_N) b = -b;
  while (b !== ZERO_N) [a, b] = [b, a % b];
  return a;
}

const SAFE_N = BigInt(Number.MAX_SAFE_INTEGER);

/** n / d reduced (d may be negative; d !== 0). */
export function q(n: bigint, d: bigint = ONE_N): Q {
  if (d < ZERO_N) [n, d] = [-n, -d];
  if (d === ONE_N) return { n, d };
  let g: bigint;
  if (d <= SAFE_N && n <= SAFE_N && n >= -SAFE_N) {
    // Small: Euclid on doubles (exact below 2^53), far cheaper than BigInt.
    let a = Math.abs(Number(n));
    let b = Number(d);
    while (b !== 0) [a, b] = [b, a % b];
    if (a === 1) return { n, d };
    g = BigInt(a);
  } else g = gcd(n, d);
  return g === ONE_N ? { n, d } : { n: n / g, d: d / g };
}

/** An integer as a rational. */
export function qInt(k: number | bigint): Q {
  return { n: typeof k === "bigint" ? k : BigInt(k), d: ONE_N };
}

const POW10: bigint[] = [ONE_N];
function pow10(k: number): bigint {
  while (POW10.length <= k) POW10.push(POW10[POW10.length - 1] * TEN_N);
  return POW10[k];
}

// Conversions are cached: the same few decimals (latencies, change times,
// rates) come back at every boundary.
const CACHE = new Map<number, Q>();

/**
 * The shortest decimal that prints `x`, as a rational (throws on NaN and
 * infinities: callers validate first).
 */
export function dec(x: number): Q {
  const hit = CACHE.get(x);
  if (hit !== undefined) return hit;
  if (!Number.isFinite(x)) {
    throw new RangeError(`not a finite number: ${x}`);
  }
  const s = String(x);
  let mantissa = s;
  let exponent = 0;
  const e = s.indexOf("e");
  if (e >= 0) {
    mantissa = s.slice(0, e);
    exponent = Number(s.slice(e + 1));
  }
  const dot = mantissa.indexOf(".");
  if (dot >= 0) {
    exponent -= mantissa.length - dot - 1;
    mantissa = mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  }
  const digits = BigInt(mantissa);
  const value = exponent >= 0
    ? { n: digits * pow10(exponent), d: ONE_N }
    : q(digits, pow10(-exponent));
  if (CACHE.size > 100_000) CACHE.clear();
  CACHE.set(x, value);
  return value;
}

export function add(a: Q, b: Q): Q {
  if (a.d === b.d) return q(a.n + b.n, a.d);
  return q(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function sub(a: Q, b: Q): Q {
  if (a.d === b.d) return q(a.n - b.n, a.d);
  return q(a.n * b.d - b.n * a.d, a.d * b.d);
}

export function mul(a: Q, b: Q): Q {
  return q(a.n * b.n, a.d * b.d);
}

/** a * k for an integer k. */
export function mulInt(a: Q, k: number | bigint): Q {
  return q(a.n * (typeof k === "bigint" ? k : BigInt(k)), a.d);
}

export function div(a: Q, b: Q): Q {
  if (b.n === ZERO_N) throw new RangeError("division by zero");
  return q(a.n * b.d, a.d * b.n);
}

export function neg(a: Q): Q {
  return { n: -a.n, d: a.d };
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function cmp(a: Q, b: Q): number {
  const x = a.n * b.d;
  const y = b.n * a.d;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isZero(a: Q): boolean {
  return a.n === ZERO_N;
}

export function sign(a: Q): number {
  return a.n < ZERO_N ? -1 : a.n > ZERO_N ? 1 : 0;
}

export function qmin(a: Q, b: Q): Q {
  return cmp(a, b) <= 0 ? a : b;
}

export function qmax(a: Q, b: Q): Q {
  return cmp(a, b) >= 0 ? a : b;
}

/** floor(n / d) for BigInts, d > 0. */
export function floorDiv(n: bigint, d: bigint): bigint {
  const r = n / d;
  return (n % d !== ZERO_N && (n < ZERO_N) !== (d < ZERO_N)) ? r - ONE_N : r;
}

export function floor(a: Q): bigint {
  return floorDiv(a.n, a.d);
}

export function ceil(a: Q): bigint {
  return -floorDiv(-a.n, a.d);
}

/** The number nearest to a (ties to even), as IEEE division would give. */
export function toNumber(a: Q): number {
  if (a.d === ONE_N) return Number(a.n);
  const an = a.n < ZERO_N ? -a.n : a.n;
  // Small enough for one exactly rounded float division.
  if (an < 9007199254740992n && a.d < 9007199254740992n) {
    return Number(a.n) / Number(a.d);
  }
  // Scale so the quotient has at least 64 bits, keep a sticky bit for the
  // remainder: Number(BigInt) then rounds once, correctly.
  const shift = Math.max(
    0,
    66 - (an.toString(2).length - a.d.toString(2).length),
  );
  const scaled = an << BigInt(shift);
  let quotient = scaled / a.d;
  const sticky = scaled % a.d !== ZERO_N ? ONE_N : ZERO_N;
  quotient = (quotient << ONE_N) | sticky;
  // Scale down by 2^(shift + 1) in steps a float can hold.
  let magnitude = Number(quotient);
  let e = shift + 1;
  while (e > 1000) {
    magnitude /= 2 ** 1000;
    e -= 1000;
  }
  magnitude /= 2 ** e;
  return a.n < ZERO_N ? -magnitude : magnitude;
}

/** A safe integer from a BigInt, or a RangeError naming the limit. */
export function toSafeInteger(k: bigint, what: string): number {
  if (k > 9007199254740991n || k < -9007199254740991n) {
    throw new RangeError(
      `${what} is ${k}, above the exact-count limit 2^53 - 1 = 9007199254740991 (counts are kept exactly in JS numbers): lower the rate or the duration`,
    );
  }
  return Number(k);
}

/**
 * sum_{x=0}^{n-1} floor((a x + b) / m), for n >= 0, m > 0 and any integers
 * a, b (the classic Euclid-like recursion, O(log m)).
 */
export function floorSum(n: bigint, m: bigint, a: bigint, b: bigint): bigint {
  let total = ZERO_N;
  // Make a and b non-negative.
  if (a < ZERO_N) {
    const k = floorDiv(a, m); // a = k m + a', 0 <= a' < m
    total += k * (n * (n - ONE_N) / 2n);
    a -= k * m;
  }
  if (b < ZERO_N) {
    const k = floorDiv(b, m);
    total += k * n;
    b -= k * m;
  }
  while (true) {
    if (n === ZERO_N) return total;
    if (a >= m) {
      total += (n * (n - ONE_N) / 2n) * (a / m);
      a %= m;
    }
    if (b >= m) {
      total += n * (b / m);
      b %= m;
    }
    const yMax = a * n + b;
    if (yMax < m) return total;
    n = yMax / m;
    b = yMax % m;
    [m, a] = [a, m];
  }
}

/**
 * min over 0 <= x < n of (a x + b) mod m, for n >= 1, m > 0, any integers
 * a, b. O(log m): each step moves to the subsequence of the sawtooth's
 * extremes, whose modulus is at most half the previous one.
 */
export function minMod(n: bigint, m: bigint, a: bigint, b: bigint): bigint {
  a = ((a % m) + m) % m;
  b = ((b % m) + m) % m;
  let best = m;
  while (true) {
    if (n <= ZERO_N) return best;
    if (b < best) best = b;
    if (a === ZERO_N || best === ZERO_N) return best;
    if (2n * a <= m) {
      // Rising sawtooth: minima right after a wrap (value < a). Wrap t
      // (t = 1..T) lands on (b - t m) mod a.
      const wraps = (a * (n - ONE_N) + b) / m;
      if (wraps === ZERO_N) return best;
      const step = ((-m) % a + a) % a;
      const first = (((b - m) % a) + a) % a;
      n = wraps;
      m = a;
      a = step;
      b = first;
    } else {
      // Falling sawtooth (step c = m - a down): minima at the last value
      // before each wrap (value < c) and at the end.
      const c = m - a;
      const last = (a * (n - ONE_N) + b) % m;
      if (last < best) best = last;
      // Before-wrap points x < n - 1 with value (b + m u) mod c, u >= 0,
      // x = floor((b + m u) / c) <= n - 2.
      const limit = c * (n - ONE_N) - b; // need b + m u < c (n - 1)
      const count = limit > ZERO_N ? (limit + m - ONE_N) / m : ZERO_N;
      if (count === ZERO_N) return best;
      const step = m % c;
      const first = b % c;
      n = count;
      m = c;
      a = step;
      b = first;
    }
  }
}

/** max over 0 <= x < n of (a x + b) mod m (see {@linkcode minMod}). */
export function maxMod(n: bigint, m: bigint, a: bigint, b: bigint): bigint {
  // (m - 1) - y_x is the sequence (-a x + (m - 1 - b)) mod m.
  return m - ONE_N - minMod(n, m, -a, m - ONE_N - b);
}
