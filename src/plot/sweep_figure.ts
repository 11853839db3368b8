/**
 * One call from sweep rows to a figure: mean lines with error bars (mean
 * plus and minus one standard deviation over repetitions), one series per
 * value of a column, optional facets, log or symlog scales.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { Scalar, SweepRow } from "../sweep/sweep.ts";
import { type Figure, plotFigure } from "./figure.ts";

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
 * import { summarize } from "@vnmig/vnmig";
 * const s = summarize([{ r: 1, y: 2 }, { r: 1, y: 4 }], { x: "r", y: "y" });
 * console.log(s[0].mean, s[0].n); // 3 2
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

/** Options of {@linkcode sweepFigure}. */
export interface SweepFigureOptions extends SummaryColumns {
  /** Title. Default none. */
  title?: string;
  /** Subtitle. Default none. */
  subtitle?: string;
  /** x axis label, with units. Default the column name. */
  xLabel?: string;
  /** y axis label, with units. Default the column name. */
  yLabel?: string;
  /** x scale type. Default "linear". */
  xType?: "linear" | "log";
  /** y scale type ("symlog" shows zeros on a log-like axis). Default "linear". */
  yType?: "linear" | "log" | "symlog";
  /** Series legend title. Default the series column name. */
  seriesLabel?: string;
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels. Default 380. */
  height?: number;
  /** y tick values, e.g. [0, 10, 100, 1000] on a symlog axis. Default Plot's. */
  yTicks?: readonly number[];
  /** y domain, e.g. [0, 1]. Default from the data. */
  yDomain?: [number, number];
}

/** The colours of the series, in order (Observable's categorical palette). */
export const SERIES_COLORS: readonly string[] = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
];

/**
 * A figure of sweep rows: per series, the mean of y over repetitions as a
 * line with dots, and error bars of one standard deviation.
 *
 * @example
 * ```ts
 * import { sweep, sweepFigure } from "@vnmig/vnmig";
 * const rows = sweep({ rate: [1, 10, 100], size: [64, 1500] }, ({ rate }) => ({ lost: rate / 2 }));
 * const figure = sweepFigure(rows, { x: "rate", y: "lost", series: "size", xType: "log" });
 * console.log(figure.svg.includes("<svg")); // true
 * ```
 */
export function sweepFigure(
  rows: readonly SweepRow[],
  options: SweepFigureOptions,
): Figure {
  const data = summarize(rows, options);
  // Series and facets keep the order in which the rows bring them.
  const firstSeen = (
    key: "series" | "facet",
  ) => [...new Set(data.map((d) => d[key]))];
  const facet = options.facet ? { fx: "facet" } : {};
  const stroke = options.series ? "series" : undefined;
  return plotFigure({
    title: options.title,
    subtitle: options.subtitle,
    width: options.width ?? 720,
    height: options.height ?? 380,
    marginLeft: 64,
    marginRight: 20,
    x: {
      type: options.xType ?? "linear",
      label: options.xLabel ?? options.x,
      grid: true,
      ...(options.xType === "log" ? { tickFormat: "~g" } : {}),
    },
    y: {
      type: options.yType ?? "linear",
      label: options.yLabel ?? options.y,
      grid: true,
      // Plain decimals on log axes (0.01, not "10m").
      ...(options.yType === "log" ? { tickFormat: "~g" } : {}),
      domain: options.yDomain,
      ticks: options.yTicks ? [...options.yTicks] : undefined,
      ...(options.yType === "symlog" ? {} : { nice: true }),
    },
    fx: options.facet ? { label: null, domain: firstSeen("facet") } : undefined,
    symbol: options.series
      ? {
        legend: true,
        domain: firstSeen("series"),
        range: [
          "circle",
          "square",
          "triangle",
          "diamond",
          "star",
          "cross",
          "wye",
          "times",
        ],
      }
      : undefined,
    color: options.series
      ? {
        label: options.seriesLabel ?? options.series,
        domain: firstSeen("series"),
        range: [...SERIES_COLORS],
      }
      : undefined,
    marks: [
      Plot.ruleX(data, {
        x: "x",
        y1: (d: SummaryRow) => d.mean - d.sd,
        y2: (d: SummaryRow) => d.mean + d.sd,
        stroke: stroke ?? "#333",
        ...facet,
      }),
      Plot.lineY(data, {
        x: "x",
        y: "mean",
        stroke: stroke ?? "#4269d0",
        strokeWidth: 1.5,
        ...facet,
      }),
      // A different hollow symbol per series, so that series lying on top
      // of each other (several mechanisms at zero loss) all stay visible.
      Plot.dot(data, {
        x: "x",
        y: "mean",
        stroke: stroke ?? "#4269d0",
        symbol: stroke,
        fill: "none",
        r: 4,
        strokeWidth: 1.5,
        ...facet,
      }),
    ],
  });
}
