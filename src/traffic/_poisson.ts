// Poisson tail quantities, stable at any mean and in bounded work: the pmf
// through the saddle-point form (Loader's bd0 and the Stirling error, as
// R's dpois does), the regularised incomplete gamma by series or continued
// fraction for small shapes and by Gauss-Legendre quadrature of the tail
// that avoids the mode for large ones.

const LN_2PI = Math.log(2 * Math.PI);

// Lanczos approximation (g = 7, n = 9).
const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Gamma(z), z > 0. */
export function logGamma(z: number): number {
  if (z < 0.5) {
    return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  }
  z -= 1;
  let x = LANCZOS[0];
  for (let i = 1; i < 9; i++) x += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * LN_2PI + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

// ln(n!) - ((n + 1/2) ln n - n + ln(2 pi) / 2).
function stirlingError(n: number): number {
  if (n > 15) {
    const nn = n * n;
    return (1 / 12 -
      (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) /
      n;
  }
  return logGamma(n + 1) - (n + 0.5) * Math.log(n) + n - 0.5 * LN_2PI;
}

// x ln(x / m) + m - x, without cancellation when x is near m.
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const next = s + ej / (2 * j + 1);
      if (next === s) return next;
      s = next;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/** P(N = k) for N ~ Poisson(mean), k a non-negative integer. */
export function poissonPmf(k: number, mean: number): number {
  if (mean === 0) return k === 0 ? 1 : 0;
  if (k === 0) return Math.exp(-mean);
  return Math.exp(-stirlingError(k) - bd0(k, mean)) /
    Math.sqrt(2 * Math.PI * k);
}

// Gauss-Legendre nodes and weights on [0, 1], computed on first use: the
// Newton iterations cost a few milliseconds, which every import of the
// traffic entry paid at start-up before (issue 10's start-up target).
const GAUSS_POINTS = 64;
let gauss: readonly [Float64Array, Float64Array] | null = null;

function gaussLegendre(): readonly [Float64Array, Float64Array] {
  if (gauss === null) gauss = gaussNodes();
  return gauss;
}

function gaussNodes(): [Float64Array, Float64Array] {
  const n = GAUSS_POINTS;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      dp = n * (z * p1 - p2) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / dp;
      if (Math.abs(z - z1) < 1e-16) break;
    }
    x[i] = (1 - z) / 2;
    w[i] = 1 / ((1 - z * z) * dp * dp);
  }
  return [x, w];
}

/**
 * The regularised lower incomplete gamma P(a, x) and its complement
 * Q(a, x) = 1 - P(a, x), each accurate in relative terms where it is small.
 * P(k + 1, m) = P(N > k) for N ~ Poisson(m).
 */
export function incompleteGamma(a: number, x: number): [number, number] {
  if (x <= 0) return [0, 1];
  if (a >= 100) return gammaQuadrature(a, x);
  const prefix = Math.exp(a * Math.log(x) - x - logGamma(a));
  if (x < a + 1) {
    // Series: P = prefix / a * sum x^n / ((a+1)..(a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    const p = prefix * sum;
    return [p, 1 - p];
  }
  // Continued fraction (modified Lentz) for Q.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const q = prefix * h;
  return [1 - q, q];
}

// For a >= 100: integrate the gamma density over the tail on the far side
// of the mode from x (monotone there), out to where it is negligible.
function gammaQuadrature(a: number, x: number): [number, number] {
  const a1 = a - 1;
  const s = Math.sqrt(a1);
  // t^(a-1) e^-t / Gamma(a) is the Poisson pmf at a - 1 with mean t.
  const density = (t: number) => poissonPmf(a1, t);
  const [GAUSS_X, GAUSS_W] = gaussLegendre();
  const integrate = (from: number, to: number) => {
    let sum = 0;
    for (let i = 0; i < GAUSS_POINTS; i++) {
      sum += GAUSS_W[i] * density(from + (to - from) * GAUSS_X[i]);
    }
    return sum * (to - from);
  };
  if (x > a1) {
    const upper = Math.max(a1 + 40 * s, x + 40 * s);
    // Split the range so each part is a few standard deviations wide.
    const q = piecewise(integrate, x, upper, s);
    return [1 - q, q];
  }
  const lower = Math.max(0, Math.min(a1 - 40 * s, x - 40 * s));
  const p = piecewise(integrate, lower, x, s);
  return [p, 1 - p];
}

function piecewise(
  integrate: (from: number, to: number) => number,
  from: number,
  to: number,
  width: number,
): number {
  const parts = Math.min(64, Math.max(1, Math.ceil((to - from) / (4 * width))));
  let total = 0;
  for (let i = 0; i < parts; i++) {
    total += integrate(
      from + (to - from) * i / parts,
      from + (to - from) * (i + 1) / parts,
    );
  }
  return total;
}

/**
 * E[min(N, c)] for N ~ Poisson(mean): the packets a buffer of c keeps out
 * of a Poisson number offered. Via E[(N - c)+] = mean P(N = c) + (mean - c)
 * P(N > c): bounded work, no underflow at large means.
 */
export function expectedMin(mean: number, capacity: number): number {
  if (mean <= 0 || capacity <= 0) return 0;
  if (capacity === Infinity) return mean;
  if (capacity > mean + 40 * Math.sqrt(mean) + 100) return mean;
  const [above] = incompleteGamma(capacity + 1, mean); // P(N > c)
  const excess = mean * poissonPmf(capacity, mean) + (mean - capacity) * above;
  return mean - Math.max(0, excess);
}
