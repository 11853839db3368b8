/**
 * Summaries of tidy rows: group by (facet, series, x) and give each group's
 * mean, sample standard deviation, extremes and count.
 *
 * @module
 */

import type { Scalar, SweepRow } from "../sweep/sweep.ts";

/** One point of a summarised sweep: a group's mean and spread. */
export interface SummaryRow {
  /** The x value. */
  readonly x: number;
  /** The series label ("" when there is one series). */
  readonly series: string;
  /** The facet label ("" when not faceted). */
  readonly facet: string;
  /** Mean of y over the group's runs. */
  readonly mean: number;
  /** Sample standard deviation (0 for a single run). */
  readonly sd: number;
  /** Smallest y. */
  readonly min: number;
  /** Largest y. */
  readonly max: number;
  /** Runs in the group. */
  readonly n: number;
}

/** Which columns of the rows to use. */
export interface SummaryColumns {
  /** Column on the x axis (numbers). */
  x: string;
  /** Column on the y axis (numbers). */
  y: string;
  /** Column whose values make the series. Default none. */
  series?: string;
  /** Column whose values make the facets (panels side by side). Default none. */
  facet?: string;
}

function numberOf(row: SweepRow, column: string): number {
  const value = row[column];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `column ${JSON.stringify(column)} must hold finite numbers; got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

const label = (value: Scalar | undefined): string =>
  value === undefined ? "" : String(value);

/**
 * Groups rows by (facet, series, x) and summarises y: mean, standard
 * deviation, min, max, count.
 *
 * @example
 * ```ts
 * import { summarize } from "@vnmig/vnmig/stats";
 * const s = summarize([{ r: 1, y: 2 }, { r: 1, y: 4 }], { x: "r", y: "y" });
 * if (s[0].mean !== 3 || s[0].n !== 2) throw new Error();
 * ```
 */
export function summarize(
  rows: readonly SweepRow[],
  columns: SummaryColumns,
): SummaryRow[] {
  const groups = new Map<
    string,
    { x: number; series: string; facet: string; ys: number[] }
  >();
  for (const row of rows) {
    const x = numberOf(row, columns.x);
    const series = columns.series ? label(row[columns.series]) : "";
    const facet = columns.facet ? label(row[columns.facet]) : "";
    const key = JSON.stringify([facet, series, x]);
    const group = groups.get(key) ?? { x, series, facet, ys: [] };
    group.ys.push(numberOf(row, columns.y));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ x, series, facet, ys }) => {
    const n = ys.length;
    const mean = ys.reduce((a, b) => a + b, 0) / n;
    const variance = n > 1
      ? ys.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)
      : 0;
    return {
      x,
      series,
      facet,
      mean,
      sd: Math.sqrt(variance),
      min: Math.min(...ys),
      max: Math.max(...ys),
      n,
    };
  });
}
