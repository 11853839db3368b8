/**
 * Figures and tables: Observable Plot rendered to SVG and PNG without a
 * browser, shown inline in Jupyter, with margins sized to the labels, tick
 * labels per unit, one colour and symbol per mechanism, legends that list
 * only what is drawn; HTML tables for results. Importing this module loads
 * nothing heavy: Plot and linkedom load on the first figure, resvg on the
 * first PNG, so every figure function returns a promise.
 *
 * @example
 * ```ts
 * import { sweepFigure } from "@vnmig/vnmig/plot";
 * const rows = [{ rate: 1, lost: 0 }, { rate: 2, lost: 5 }];
 * const figure = await sweepFigure(rows, { x: "rate", y: "lost" });
 * if (!figure.svg.startsWith("<svg")) throw new Error();
 * ```
 *
 * @module
 */

export {
  DEFAULT_FONT_FILE,
  type Figure,
  type FigureOptions,
  type FigureScaleOptions,
  type LegendItem,
  loadPlot,
  makeFigure,
  type Plot,
  plotFigure,
  type PlotOptions,
  type PlotScaleOptions,
  type PngOptions,
  svgToPng,
} from "./figure.ts";
export {
  TIMELINE_FATES,
  timelineFigure,
  type TimelineFigureOptions,
  type TimelineRow,
  timelineRows,
  type TimelineRun,
  timelineRuns,
  type TimelineRunsOptions,
} from "./timeline.ts";
export {
  type MeasuredSeries,
  type ReferenceBand,
  SERIES_COLORS,
  sweepFigure,
  type SweepFigureOptions,
} from "./sweep_figure.ts";
export {
  AXIS_UNITS,
  type AxisUnit,
  formatBitsPerSecond,
  formatNumber,
  formatSeconds,
  type LinearUnit,
  linearUnit,
  logTicks,
  symlogTicks,
  unitFormat,
} from "./ticks.ts";
export {
  type CategoryScale,
  categoryScale,
  type CategoryScaleOptions,
  type SeriesStyle,
  type SeriesStyles,
  seriesStyles,
} from "./styles.ts";
export {
  type HtmlTable,
  htmlTable,
  type HtmlTableOptions,
  type TableColumn,
} from "./table.ts";
// Types of the public signatures above, from their own areas.
export type { PacketRecords } from "../traffic/simulate.ts";
export type { Scalar, SweepRow } from "../sweep/sweep.ts";
export type { SummaryColumns } from "../stats/summary.ts";
