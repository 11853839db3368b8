/**
 * Figures: Observable Plot rendered to SVG and PNG without a browser, shown
 * inline in Jupyter.
 *
 * @module
 */

export {
  DEFAULT_FONT_FILE,
  type Figure,
  makeFigure,
  plotFigure,
  type PlotOptions,
  type PngOptions,
  svgToPng,
} from "./figure.ts";
export {
  timelineFigure,
  type TimelineFigureOptions,
  type TimelineRow,
  timelineRows,
} from "./timeline.ts";
export {
  SERIES_COLORS,
  summarize,
  type SummaryColumns,
  type SummaryRow,
  sweepFigure,
  type SweepFigureOptions,
} from "./sweep_figure.ts";
