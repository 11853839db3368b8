/**
 * Means and least-squares lines.
 *
 * @module
 */

/**
 * The arithmetic mean; an empty list is an error, never NaN.
 *
 * @example
 * ```ts
 * import { mean } from "@vnmig/vnmig/stats";
 * if (mean([1, 2, 6]) !== 3) throw new Error();
 * ```
 */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) {
    throw new RangeError("mean needs at least 1 value; got 0");
  }
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** A least-squares line: y = slope x + intercept, with its coefficient of determination. */
export interface LinearFit {
  /** Slope, y units per x unit. */
  readonly slope: number;
  /** Intercept, y units. */
  readonly intercept: number;
  /** Coefficient of determination R^2 in [0, 1] (1 when y is constant). */
  readonly r2: number;
}

/**
 * The least-squares line through points.
 *
 * @example
 * ```ts
 * import { linearFit } from "@vnmig/vnmig/stats";
 * const fit = linearFit([[0, 1], [1, 3], [2, 5]]);
 * if (fit.slope !== 2 || fit.intercept !== 1 || fit.r2 !== 1) throw new Error();
 * ```
 */
export function linearFit(
  points: readonly (readonly [number, number])[],
): LinearFit {
  const mx = mean(points.map((p) => p[0]));
  const my = mean(points.map((p) => p[1]));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { slope, intercept: my - slope * mx, r2 };
}
