/**
 * Figures: Observable Plot rendered to SVG and PNG without a browser, shown
 * inline in Jupyter. Importing this module loads nothing heavy: Plot and
 * linkedom load on the first figure, resvg on the first PNG, so every
 * figure function returns a promise.
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
  loadPlot,
  makeFigure,
  type Plot,
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
  sweepFigure,
  type SweepFigureOptions,
} from "./sweep_figure.ts";
