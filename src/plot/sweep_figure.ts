/**
 * One call from sweep rows to a figure: mean lines with error bars (mean
 * plus and minus one standard deviation over repetitions), one series per
 * value of a column, optional facets, log or symlog scales.
 *
 * @module
 */

import type { SweepRow } from "../sweep/sweep.ts";
import {
  summarize,
  type SummaryColumns,
  type SummaryRow,
} from "../stats/summary.ts";
import { type Figure, plotFigure } from "./figure.ts";

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
  /** Colour of each series value (e.g. each mechanism's from the registry); others take {@linkcode SERIES_COLORS} in order. Default none. */
  seriesColors?: Readonly<Record<string, string>>;
  /** Symbol of each series value (an Observable Plot symbol name); others take Plot's in order. Default none. */
  seriesSymbols?: Readonly<Record<string, string>>;
}

const SYMBOLS = [
  "circle",
  "square",
  "triangle",
  "diamond",
  "star",
  "cross",
  "wye",
  "times",
];

// One value per series: the given one, else the next of the defaults.
function rangeFor(
  domain: readonly string[],
  given: Readonly<Record<string, string>> | undefined,
  defaults: readonly string[],
): string[] {
  let next = 0;
  return domain.map((d) => given?.[d] ?? defaults[next++ % defaults.length]);
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
 * import { sweep } from "@vnmig/vnmig/sweep";
 * import { sweepFigure } from "@vnmig/vnmig/plot";
 * const rows = sweep({ rate: [1, 10, 100], size: [64, 1500] }, ({ rate }) => ({ lost: rate / 2 }));
 * const figure = await sweepFigure(rows, { x: "rate", y: "lost", series: "size", xType: "log" });
 * if (!figure.svg.includes(">1500</text>")) throw new Error("the legend names each series");
 * ```
 */
export function sweepFigure(
  rows: readonly SweepRow[],
  options: SweepFigureOptions,
): Promise<Figure> {
  const data = summarize(rows, options);
  // Series and facets keep the order in which the rows bring them.
  const firstSeen = (
    key: "series" | "facet",
  ) => [...new Set(data.map((d) => d[key]))];
  const facet = options.facet ? { fx: "facet" } : {};
  const stroke = options.series ? "series" : undefined;
  const series = firstSeen("series");
  return plotFigure((Plot) => ({
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
        domain: series,
        range: rangeFor(series, options.seriesSymbols, SYMBOLS),
      }
      : undefined,
    color: options.series
      ? {
        label: options.seriesLabel ?? options.series,
        domain: series,
        range: rangeFor(series, options.seriesColors, SERIES_COLORS),
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
  }));
}
