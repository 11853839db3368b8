/**
 * One call from sweep rows to a figure: mean lines with error bars (mean
 * plus and minus one standard deviation over repetitions), one series per
 * value of a column, optional facets, log or symlog scales; reference
 * bands or lines with a label (what a paper reports), and a second,
 * measured series (e.g. testbed runs) drawn beside the model's means.
 *
 * Series never hide one another: each series' points are offset
 * horizontally by a few pixels (`dodgePixels`) and drawn with their own
 * hollow symbol, so that two mechanisms that both lose nothing show as two
 * marks at 0.
 *
 * @module
 */

import type { SweepRow } from "../sweep/sweep.ts";
import {
  summarize,
  type SummaryColumns,
  type SummaryRow,
} from "../stats/summary.ts";
import { assertFinite, assertInRange, assertKnownKeys } from "../_validate.ts";
import {
  type Figure,
  type FigureOptions,
  type LegendItem,
  type Plot,
  plotFigure,
} from "./figure.ts";
import type { AxisUnit } from "./ticks.ts";

/** A shaded y band, or a horizontal line, with a label: what a paper reports, a limit, a target. */
export interface ReferenceBand {
  /** The text drawn beside it, e.g. "paper: about 0.5 s". */
  label: string;
  /** A line at this y. Give `y`, `slope`, or both `y1` and `y2`. */
  y?: number;
  /** A line through the origin, y = slope x (e.g. "about 0.5 s worth of traffic": lost packets = 0.5 s x rate), drawn over the x values of the rows. */
  slope?: number;
  /** Bottom of the band. */
  y1?: number;
  /** Top of the band. */
  y2?: number;
  /** Only in the facet with this value (as the facet column shows it). Default every facet. */
  facet?: string | number;
  /** Take the colour of this series. Default grey. */
  series?: string;
  /** Where a line's label goes: "above" or "below" it. Default "above". */
  labelPosition?: "above" | "below";
}

/** A measured series drawn beside the model's means: one point per row (per run). */
export interface MeasuredSeries {
  /** The measured rows (e.g. a testbed CSV's runs). */
  rows: readonly SweepRow[];
  /** x column. Default the figure's `x`. */
  x?: string;
  /** y column. Default the figure's `y`. */
  y?: string;
  /** Series column, coloured like the model's series of the same value. Default the figure's `series`. */
  series?: string;
  /** Facet column. Default the figure's `facet` (when the rows have it; else every facet). */
  facet?: string;
  /** Legend text. Default "measured runs". */
  label?: string;
  /** Observable Plot symbol of the measured points. Default "times" (a cross that shows inside the model's hollow symbols). */
  symbol?: string;
}

/** Options of {@linkcode sweepFigure}. */
export interface SweepFigureOptions extends SummaryColumns {
  /** Title. Default none. */
  title?: string;
  /** Subtitle. Default none. */
  subtitle?: string;
  /** x axis label (without the unit when `xUnit` is given). Default the column name. */
  xLabel?: string;
  /** y axis label (without the unit when `yUnit` is given). Default the column name. */
  yLabel?: string;
  /** x scale type. Default "linear". */
  xType?: "linear" | "log";
  /** y scale type ("symlog" shows zeros on a log-like axis). Default "linear". */
  yType?: "linear" | "log" | "symlog";
  /** Unit of the x values (see {@linkcode FigureScaleOptions.unit}). Default none. */
  xUnit?: AxisUnit;
  /** Unit of the y values: "seconds" shows ms when the values are ms. Default none. */
  yUnit?: AxisUnit;
  /** Series legend title. Default the series column name. */
  seriesLabel?: string;
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels. Default 380. */
  height?: number;
  /** y tick values, e.g. [0, 10, 100, 1000] on a symlog axis. Default: powers of ten on log axes, Plot's otherwise. */
  yTicks?: readonly number[];
  /** y domain, e.g. [0, 1]. Default from the data. */
  yDomain?: [number, number];
  /** Colour of each series value (e.g. each mechanism's from the registry); others take {@linkcode SERIES_COLORS} in order. Default none. */
  seriesColors?: Readonly<Record<string, string>>;
  /** Symbol of each series value (an Observable Plot symbol name); others take Plot's in order. Default none. */
  seriesSymbols?: Readonly<Record<string, string>>;
  /** Name shown for each series value (e.g. a mechanism's label for its id). Default the value. */
  seriesLabels?: Readonly<Record<string, string>>;
  /** Horizontal offset between neighbouring series, pixels, so that equal values stay visible. Default 6 with two or more series, else 0. */
  dodgePixels?: number;
  /** Shaded bands or lines with a label. Default none. */
  references?: readonly ReferenceBand[];
  /** A measured series drawn beside the model's means. Default none. */
  measured?: MeasuredSeries;
}

const OPTION_KEYS: readonly string[] = [
  "x",
  "y",
  "series",
  "facet",
  "title",
  "subtitle",
  "xLabel",
  "yLabel",
  "xType",
  "yType",
  "xUnit",
  "yUnit",
  "seriesLabel",
  "width",
  "height",
  "yTicks",
  "yDomain",
  "seriesColors",
  "seriesSymbols",
  "seriesLabels",
  "dodgePixels",
  "references",
  "measured",
];

const REFERENCE_KEYS: readonly string[] = [
  "label",
  "y",
  "slope",
  "y1",
  "y2",
  "facet",
  "series",
  "labelPosition",
];

const MEASURED_KEYS: readonly string[] = [
  "rows",
  "x",
  "y",
  "series",
  "facet",
  "label",
  "symbol",
];

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

const REFERENCE_COLOR = "#777";

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

interface MeasuredPoint {
  x: number;
  y: number;
  series: string;
  facet?: string;
}

function measuredPoints(
  measured: MeasuredSeries,
  options: SweepFigureOptions,
): MeasuredPoint[] {
  assertKnownKeys("measured", measured, MEASURED_KEYS);
  const x = measured.x ?? options.x;
  const y = measured.y ?? options.y;
  const series = measured.series ?? options.series;
  const facet = measured.facet ?? options.facet;
  return measured.rows.map((row, i) => {
    const xv = row[x];
    const yv = row[y];
    if (typeof xv !== "number" || typeof yv !== "number") {
      throw new RangeError(
        `measured.rows[${i}] must hold numbers in ${JSON.stringify(x)} and ${
          JSON.stringify(y)
        }; got ${JSON.stringify(xv)} and ${JSON.stringify(yv)}`,
      );
    }
    return {
      x: xv,
      y: yv,
      series: series === undefined ? "" : String(row[series] ?? ""),
      facet: facet !== undefined && row[facet] !== undefined
        ? String(row[facet])
        : undefined,
    };
  });
}

function checkReference(r: ReferenceBand, i: number): void {
  assertKnownKeys(`references[${i}]`, r, REFERENCE_KEYS);
  const kinds = [
    r.y !== undefined,
    r.slope !== undefined,
    r.y1 !== undefined || r.y2 !== undefined,
  ].filter(Boolean).length;
  const band = r.y1 !== undefined || r.y2 !== undefined;
  if (kinds !== 1 || (band && (r.y1 === undefined || r.y2 === undefined))) {
    throw new RangeError(
      `references[${i}] must give one of y, slope, or both y1 and y2; got ${
        JSON.stringify({ y: r.y, slope: r.slope, y1: r.y1, y2: r.y2 })
      }`,
    );
  }
  if (
    r.labelPosition !== undefined && r.labelPosition !== "above" &&
    r.labelPosition !== "below"
  ) {
    throw new RangeError(
      `references[${i}].labelPosition must be "above" or "below"; got ${
        JSON.stringify(r.labelPosition)
      }`,
    );
  }
  for (const key of ["y", "slope", "y1", "y2"] as const) {
    if (r[key] !== undefined) assertFinite(`references[${i}].${key}`, r[key]);
  }
}

/**
 * A figure of sweep rows: per series, the mean of y over repetitions as a
 * line with hollow symbols, and error bars of one standard deviation; with
 * optional reference bands and a measured series.
 *
 * @example
 * ```ts
 * import { sweep } from "@vnmig/vnmig/sweep";
 * import { sweepFigure } from "@vnmig/vnmig/plot";
 * const rows = sweep({ rate: [1, 10, 100], size: [64, 1500] }, ({ rate }) => ({ lost: rate / 2 }));
 * const figure = await sweepFigure(rows, {
 *   x: "rate", y: "lost", series: "size", xType: "log",
 *   references: [{ y: 25, label: "paper: about 25" }],
 * });
 * if (!figure.svg.includes(">1500</text>")) throw new Error("the legend names each series");
 * if (!figure.svg.includes(">paper: about 25</text>")) throw new Error("the reference is labelled");
 * ```
 */
export function sweepFigure(
  rows: readonly SweepRow[],
  options: SweepFigureOptions,
): Promise<Figure> {
  assertKnownKeys("options", options, OPTION_KEYS);
  const data = summarize(rows, options);
  const measured = options.measured
    ? measuredPoints(options.measured, options)
    : [];
  const references = options.references ?? [];
  references.forEach(checkReference);
  // Series and facets keep the order in which the rows bring them.
  const series = [
    ...new Set([
      ...data.map((d) => d.series),
      ...measured.map((m) => m.series),
    ]),
  ];
  const facets = [...new Set(data.map((d) => d.facet))];
  const hasSeries = options.series !== undefined;
  const dodge = options.dodgePixels ?? (series.length >= 2 ? 6 : 0);
  assertInRange("dodgePixels", dodge, 0, 40);
  const offset = (s: string) =>
    (series.indexOf(s) - (series.length - 1) / 2) * dodge;
  const colors = rangeFor(series, options.seriesColors, SERIES_COLORS);
  const colorOf = (s: string) => colors[series.indexOf(s)] ?? REFERENCE_COLOR;
  const legendItems: LegendItem[] = [];
  if (measured.length > 0) {
    legendItems.push({
      label: options.measured?.label ?? "measured runs",
      symbol: options.measured?.symbol ?? "times",
    });
  }
  return plotFigure((Plot: Plot) => {
    const facet = (d: { facet?: string }) => d.facet;
    const fx = options.facet ? { fx: facet } : {};
    const marks = [];
    for (const [i, r] of references.entries()) {
      const color = r.series !== undefined
        ? colorOf(r.series)
        : REFERENCE_COLOR;
      const rowsOf = [{
        ...r,
        facet: r.facet === undefined ? undefined : String(r.facet),
      }];
      // A reference without a facet is drawn in every facet (no fx channel).
      const where = options.facet && r.facet !== undefined ? fx : {};
      if (r.slope !== undefined) {
        const xs = [...data.map((d) => d.x), ...measured.map((m) => m.x)];
        const ends = [Math.min(...xs), Math.max(...xs)].map((x) => ({
          x,
          y: r.slope! * x,
          label: r.label,
        }));
        marks.push(Plot.line(ends, {
          x: "x",
          y: "y",
          stroke: color,
          strokeDasharray: "5 4",
        }));
        // Labelled above the line, ending 60 % of the way along: the line
        // rises to the right, so the text to the left of its end stays
        // clear of it and of the points at the line's ends.
        const at = ends[0].x + (ends[1].x - ends[0].x) * 0.6;
        marks.push(Plot.text([{ ...ends[0], x: at, y: r.slope * at }], {
          x: "x",
          y: "y",
          text: "label",
          textAnchor: "end",
          dx: -4,
          dy: -10,
          fill: color,
          fontSize: 10,
          ariaLabel: `reference ${i}`,
        }));
        continue;
      }
      if (r.y !== undefined) {
        marks.push(Plot.ruleY(rowsOf, {
          y: "y",
          stroke: color,
          strokeDasharray: "5 4",
          ...where,
        }));
      } else {
        marks.push(Plot.rectY(rowsOf, {
          y1: "y1",
          y2: "y2",
          fill: color,
          fillOpacity: 0.15,
          ...where,
        }));
      }
      marks.push(Plot.text(rowsOf, {
        y: (d: ReferenceBand) => d.y ?? d.y2,
        text: "label",
        frameAnchor: "right",
        textAnchor: "end",
        dx: -4,
        // Above (or below) a line; inside a band, under its top.
        dy: r.y === undefined ? 12 : r.labelPosition === "below" ? 12 : -6,
        fill: color,
        fontSize: 10,
        ariaLabel: `reference ${i}`,
        ...where,
      }));
    }
    for (const s of series) {
      const mine = data.filter((d) => d.series === s);
      const stroke = hasSeries ? colorOf(s) : "#4269d0";
      const dx = offset(s);
      marks.push(
        Plot.ruleX(mine, {
          x: "x",
          y1: (d: SummaryRow) => d.mean - d.sd,
          y2: (d: SummaryRow) => d.mean + d.sd,
          stroke: hasSeries ? stroke : "#333",
          dx,
          ...fx,
        }),
        Plot.lineY(mine, {
          x: "x",
          y: "mean",
          stroke,
          strokeWidth: 1.5,
          dx,
          ...fx,
        }),
        // A hollow symbol per series, through the symbol scale (its legend).
        Plot.dot(mine, {
          x: "x",
          y: "mean",
          stroke: hasSeries ? "series" : stroke,
          symbol: hasSeries ? "series" : undefined,
          fill: "none",
          r: 4,
          strokeWidth: 1.5,
          dx,
          ...fx,
        }),
      );
      const runs = measured.filter((m) => m.series === s);
      if (runs.length > 0) {
        const withFacet = runs.filter((m) => m.facet !== undefined);
        const everywhere = runs.filter((m) => m.facet === undefined);
        for (
          const [points, where] of [[withFacet, fx], [everywhere, {}]] as const
        ) {
          if (points.length === 0) continue;
          marks.push(Plot.dot(points, {
            x: "x",
            y: "y",
            stroke,
            symbol: options.measured?.symbol ?? "times",
            r: 3.5,
            strokeWidth: 1.25,
            dx,
            ...where,
          }));
        }
      }
    }
    const labels = options.seriesLabels;
    const result: FigureOptions = {
      title: options.title,
      subtitle: options.subtitle,
      width: options.width ?? 720,
      height: options.height ?? 380,
      marginRight: 20,
      x: {
        type: options.xType ?? "linear",
        label: options.xLabel ?? options.x,
        grid: true,
        unit: options.xUnit,
        // Room for the outermost dodged marks inside the frame.
        ...(dodge > 0 ? { inset: Math.abs(offset(series[0])) + 5 } : {}),
      },
      y: {
        type: options.yType ?? "linear",
        label: options.yLabel ?? options.y,
        grid: true,
        unit: options.yUnit,
        domain: options.yDomain,
        ticks: options.yTicks ? [...options.yTicks] : undefined,
        ...(options.yType === "symlog" ? {} : { nice: true }),
      },
      fx: options.facet ? { label: null, domain: facets } : undefined,
      symbol: hasSeries
        ? {
          legend: true,
          domain: series,
          range: rangeFor(series, options.seriesSymbols, SYMBOLS),
          tickFormat: labels ? (s: string) => labels[s] ?? s : undefined,
        }
        : undefined,
      color: hasSeries
        ? {
          label: options.seriesLabel ?? options.series,
          domain: series,
          range: colors,
        }
        : undefined,
      legendItems,
      marks,
    };
    return result;
  });
}
