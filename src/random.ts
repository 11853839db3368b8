/**
 * Seeded random numbers. Every random draw in vnmig comes from a generator
 * made here from a seed the caller chooses, so that the same inputs give the
 * same outputs, byte for byte.
 *
 * @module
 */

import { assertInteger } from "./_validate.ts";

/** A function returning uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A seeded linear congruential generator (the one d3-force uses: the
 * parameters of Numerical Recipes, 32 bits). Fast, small and plenty for
 * simulation noise; not for cryptography. The seed is an integer in
 * [0, 2^53 - 1]; its bits above the low 32 are hashed into the state.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { randomLcg } from "@vnmig/vnmig";
 * const random = randomLcg(42);
 * const x = random(); // the same number every run
 * deepStrictEqual(x >= 0 && x < 1, true);
 * ```
 */
export function randomLcg(seed: number = 0): RandomSource {
  assertInteger("seed", seed, 0);
  // The generator's state has 32 bits; a seed's bits above them are mixed
  // in through a hash (0 for seeds below 2^32, which keep their streams),
  // so that 2^32 + k does not replay seed k.
  let state = ((seed >>> 0) ^ mixHigh(seed)) >>> 0;
  return () => {
    state = (1664525 * state + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

// The bits of a safe-integer seed above the low 32, hashed to 32 bits; 0
// when there are none.
function mixHigh(seed: number): number {
  const high = Math.floor(seed / 4294967296);
  if (high === 0) return 0;
  let h = Math.imul(high ^ 0x5bd1e995, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  // Never 0, so that a high part always changes the result.
  return h === 0 ? 0x9e3779b9 : h;
}

/**
 * Derives an independent child seed (32 bits) from a seed and an index,
 * for repetitions and per-component generators. Every bit of the seed (an
 * integer up to 2^53 - 1) counts: `deriveSeed(2 ** 32, i)` is not
 * `deriveSeed(0, i)`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { deriveSeed } from "@vnmig/vnmig";
 * const seeds = [0, 1, 2].map((i) => deriveSeed(7, i));
 * deepStrictEqual(new Set(seeds).size, 3);
 * deepStrictEqual(deriveSeed(2 ** 32, 0) === deriveSeed(0, 0), false);
 * ```
 */
export function deriveSeed(seed: number, index: number): number {
  assertInteger("seed", seed, 0);
  assertInteger("index", index, 0);
  // Every bit of both counts: the low 32 bits as before (so seeds and
  // indices below 2^32 keep their child seeds), the high bits hashed in.
  let h = (Math.imul((seed >>> 0) ^ mixHigh(seed), 0x9e3779b1) ^
    Math.imul(((index + 1) >>> 0) ^ mixHigh(index + 1), 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * An exponential draw with the given mean (inverse transform sampling).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { randomExponential, randomLcg } from "@vnmig/vnmig";
 * const gap = randomExponential(randomLcg(1), 0.001);
 * deepStrictEqual(gap > 0, true);
 * ```
 */
export function randomExponential(random: RandomSource, mean: number): number {
  // 1 - u is in (0, 1], so the log is finite.
  return -Math.log(1 - random()) * mean;
}

/**
 * A normal draw (Box-Muller) with the given mean and standard deviation.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { randomLcg, randomNormal } from "@vnmig/vnmig";
 * const x = randomNormal(randomLcg(3), 10, 0.5);
 * deepStrictEqual(Number.isFinite(x), true);
 * ```
 */
export function randomNormal(
  random: RandomSource,
  mean: number,
  standardDeviation: number,
): number {
  const u = 1 - random();
  const v = random();
  return mean +
    standardDeviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
