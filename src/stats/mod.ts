/**
 * Statistics in one place: group summaries of tidy rows, means and
 * least-squares fits.
 *
 * @example
 * ```ts
 * import { linearFit, summarize } from "@vnmig/vnmig/stats";
 * const rows = [{ rate: 1, lost: 2 }, { rate: 1, lost: 4 }, { rate: 2, lost: 6 }];
 * const points = summarize(rows, { x: "rate", y: "lost" }).map((s) => [s.x, s.mean] as const);
 * if (linearFit(points).slope !== 3) throw new Error();
 * ```
 *
 * @module
 */

export { type LinearFit, linearFit, mean } from "./fit.ts";
export { summarize, type SummaryColumns, type SummaryRow } from "./summary.ts";
