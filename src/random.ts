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
 * simulation noise; not for cryptography.
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
  let state = (seed >>> 0) ^ Math.floor(seed / 4294967296);
  return () => {
    state = (1664525 * state + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/**
 * Derives an independent child seed from a seed and an index (a 32-bit
 * integer hash), for repetitions and per-component generators.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { deriveSeed } from "@vnmig/vnmig";
 * const seeds = [0, 1, 2].map((i) => deriveSeed(7, i));
 * deepStrictEqual(new Set(seeds).size, 3);
 * ```
 */
export function deriveSeed(seed: number, index: number): number {
  assertInteger("seed", seed, 0);
  assertInteger("index", index, 0);
  let h =
    (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>>
    0;
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
