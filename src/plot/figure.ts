/**
 * Figures: Observable Plot rendered without a browser (linkedom as its
 * `document`), as an SVG string, as PNG (resvg with DejaVu Sans), and inline
 * in Jupyter (the Deno kernel shows any object with a `Jupyter.display`
 * method).
 *
 * Plotting loads lazily: importing this module loads neither Observable
 * Plot, linkedom nor resvg (a native addon). Plot and linkedom load on the
 * first figure, resvg on the first PNG; so figure functions return
 * promises.
 *
 * @module
 */

import type * as PlotModule from "@observablehq/plot";
import { assertInRange, assertKnownKeys } from "../_validate.ts";
import { composeSvg, escapeXml } from "./_compose.ts";
import { defaultFontFile, shippedFontFile } from "./_font.ts";
import { adjustAxes, refit, type Rendered, withoutUnits } from "./_fit.ts";
import type { AxisUnit } from "./ticks.ts";

/** The plot options Observable Plot takes (marks, scales, size...). */
export type PlotOptions = PlotModule.PlotOptions;

/** The Observable Plot module, as {@linkcode loadPlot} gives it. */
export type Plot = typeof PlotModule;

/** A rendered figure: SVG text, PNG bytes on demand, and inline display. */
export interface Figure {
  /** Standalone SVG (with `xmlns`), legends included. */
  readonly svg: string;
  /** Renders the SVG to PNG bytes. */
  toPng(options?: PngOptions): Promise<Uint8Array>;
  /** Writes `<base>.svg` and/or `<base>.png`, each whole (written aside, then renamed); returns the paths written. */
  save(
    basePath: string,
    formats?: readonly ("svg" | "png")[],
  ): Promise<string[]>;
}

/** Options of {@linkcode Figure.toPng}. */
export interface PngOptions {
  /** Scale factor over the SVG size. Default 2 (crisp at normal size). */
  scale?: number;
  /**
   * Font file used for all text (DejaVu Sans: figures name that family).
   * Default the package's fonts/DejaVuSans.ttf ({@linkcode DEFAULT_FONT_FILE}),
   * else the system's DejaVu Sans where one of the usual paths (Debian,
   * Fedora, Arch, macOS, Windows...) holds it; with neither, PNG rendering
   * is an error that names this option.
   */
  fontFile?: string;
}

/**
 * The font shipped with the package (fonts/DejaVuSans.ttf), the default of
 * {@linkcode PngOptions.fontFile}, on every system; undefined when this
 * module is not on disk (imported from a URL), where the system's DejaVu
 * Sans or `fontFile` serves.
 *
 * @example
 * ```ts
 * import { DEFAULT_FONT_FILE } from "@vnmig/vnmig/plot";
 * if (DEFAULT_FONT_FILE !== undefined && !DEFAULT_FONT_FILE.endsWith("DejaVuSans.ttf")) throw new Error();
 * ```
 */
export const DEFAULT_FONT_FILE: string | undefined = shippedFontFile();

let loaded: Promise<{ plot: Plot; document: Document }> | undefined;

/**
 * Loads Observable Plot and the document it draws into, once.
 *
 * @example
 * ```ts
 * import { loadPlot } from "@vnmig/vnmig/plot";
 * const Plot = await loadPlot();
 * if (typeof Plot.dot !== "function") throw new Error();
 * ```
 */
export async function loadPlot(): Promise<Plot> {
  return (await renderer()).plot;
}

function renderer(): Promise<{ plot: Plot; document: Document }> {
  loaded ??= (async () => {
    const [plot, { parseHTML }] = await Promise.all([
      import("@observablehq/plot"),
      import("linkedom"),
    ]);
    const { document } = parseHTML(
      "<!doctype html><html><body></body></html>",
    );
    patchCanvas(document as unknown as Document);
    return { plot, document: document as unknown as Document };
  })();
  return loaded;
}

// Plot paints continuous colour legends (ramps) on a <canvas> and embeds it
// as an image. linkedom has no canvas, so give Plot one whose 1-pixel-high
// fillRect calls become an SVG image of the same colours.
function patchCanvas(document: Document): void {
  const createElement = document.createElement.bind(document);
  document.createElement = ((name: string) => {
    const element = createElement(name);
    if (name.toLowerCase() === "canvas") {
      const rects: string[] = [];
      let fillStyle = "black";
      const context = {
        set fillStyle(value: string) {
          fillStyle = value;
        },
        get fillStyle() {
          return fillStyle;
        },
        fillRect(x: number, y: number, w: number, h: number) {
          rects.push(
            `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fillStyle}"/>`,
          );
        },
      };
      Object.assign(element, {
        getContext: () => context,
        toDataURL: () => {
          const width = Number(element.getAttribute("width") ?? 256);
          const height = Number(element.getAttribute("height") ?? 1);
          const svg =
            `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" preserveAspectRatio="none">${
              rects.join("")
            }</svg>`;
          return `data:image/svg+xml;base64,${btoa(svg)}`;
        },
      });
    }
    return element;
  }) as typeof document.createElement;
}

/** A scale's options as Observable Plot takes them (type, domain, ticks, label...). */
export type PlotScaleOptions = PlotModule.ScaleOptions;

/** A scale's options as {@linkcode plotFigure} takes them: Plot's, plus a unit. */
export interface FigureScaleOptions extends PlotScaleOptions {
  /**
   * What the values are: "seconds" (a linear axis picks s, ms, µs or ns
   * and says so in its label; a log axis labels each tick, "10 ms", "1 s"),
   * "bitsPerSecond" (likewise, bit/s to Tbit/s) or "count" (plain
   * integers). Give the label without a unit then. Default none (plain
   * numbers).
   */
  unit?: AxisUnit;
}

/** An entry {@linkcode plotFigure} adds to the legend, for marks no scale names (a reference line, measured runs). */
export interface LegendItem {
  /** The text. */
  label: string;
  /** Draw this Observable Plot symbol ("times", "circle", ...). Default none. */
  symbol?: string;
  /** Draw a short line, dashed with this pattern when a string (e.g. "4 3"). Default none. */
  line?: boolean | string;
  /** Draw a shaded square (a band). Default false. */
  band?: boolean;
  /** Stroke colour. Default "#333". */
  stroke?: string;
  /** Fill colour. Default "none" for a symbol, "#999" for a band. */
  fill?: string;
}

/**
 * The options of {@linkcode plotFigure}: Observable Plot's, with a `unit`
 * on the x and y scales and extra legend entries.
 */
export interface FigureOptions extends Omit<PlotOptions, "x" | "y"> {
  /** The x scale. */
  x?: FigureScaleOptions;
  /** The y scale. */
  y?: FigureScaleOptions;
  /** Legend entries for marks that no scale names. Default none. */
  legendItems?: readonly LegendItem[];
}

const LEGEND_ITEM_KEYS: readonly string[] = [
  "label",
  "symbol",
  "line",
  "band",
  "stroke",
  "fill",
];

// A 14 x 14 swatch of a legend item; symbols drawn by Plot itself.
function swatchSvg(plot: Plot, document: Document, item: LegendItem): string {
  assertKnownKeys("legendItems[]", item, LEGEND_ITEM_KEYS);
  const stroke = escapeXml(item.stroke ?? "#333");
  const parts: string[] = [];
  if (item.band) {
    parts.push(
      `<rect x="1" y="1" width="12" height="12" fill="${
        escapeXml(item.fill ?? "#999")
      }" fill-opacity="0.35"/>`,
    );
  }
  if (item.line) {
    const dash = typeof item.line === "string"
      ? ` stroke-dasharray="${escapeXml(item.line)}"`
      : "";
    parts.push(
      `<line x1="0" y1="7" x2="14" y2="7" stroke="${stroke}" stroke-width="1.5"${dash}/>`,
    );
  }
  if (item.symbol) {
    const node = plot.plot({
      document,
      width: 14,
      height: 14,
      margin: 0,
      x: { domain: [0, 1], axis: null },
      y: { domain: [0, 1], axis: null },
      marks: [
        plot.dot([0], {
          x: () => 0.5,
          y: () => 0.5,
          r: 4.5,
          symbol: item.symbol as PlotModule.SymbolType,
          stroke: item.stroke ?? "#333",
          fill: item.fill ?? "none",
          strokeWidth: 1.5,
        }),
      ],
    } as PlotOptions) as unknown as Element;
    parts.push(
      Array.from(node.children)
        .filter((c) => c.tagName.toLowerCase() !== "style")
        .map((c) => c.outerHTML)
        .join(""),
    );
  }
  return parts.join("");
}

// At most this many renders: the first reads the scales, the others fit.
const MAX_RENDERS = 5;

/**
 * Renders Observable Plot options to a {@linkcode Figure}: either options
 * built with your own `import * as Plot from "@observablehq/plot"`, or a
 * function that receives the Plot module and returns them (so that nothing
 * loads Plot before the first figure). Use `color: { legend: true }` as
 * usual: the legend is drawn into the same SVG.
 *
 * It renders more than once, so that figures never mislead: log and
 * symlog axes get ticks at the powers of ten (grid lines only there) with
 * plain labels (0.001, 140,000; never "200m" or "0k"); an axis with a
 * `unit` shows it per tick or in its label; the margins grow until no
 * label is cut; x tick labels that collide (within a facet or across
 * facets) are thinned or spread apart. Ticks and formats you give are
 * kept.
 *
 * @example
 * ```ts
 * import { plotFigure } from "@vnmig/vnmig/plot";
 * const figure = await plotFigure((Plot) => ({
 *   y: { type: "log", unit: "seconds" },
 *   marks: [Plot.dot([{ x: 1, y: 0.002 }, { x: 2, y: 30 }], { x: "x", y: "y" })],
 * }));
 * if (!figure.svg.includes(">10 ms</text>")) throw new Error("ticks carry the unit");
 * ```
 */
export async function plotFigure(
  options: FigureOptions | ((plot: Plot) => FigureOptions),
): Promise<Figure> {
  const { plot, document } = await renderer();
  const resolved = typeof options === "function" ? options(plot) : options;
  const { legendItems = [], ...rest } = resolved;
  const draw = (o: Record<string, unknown>) =>
    plot.plot({ ...o, document } as PlotOptions) as unknown as Rendered;
  const base = rest as Record<string, unknown>;
  let current = adjustAxes(base, draw(withoutUnits(base)));
  let node = draw(current);
  for (let i = 2; i < MAX_RENDERS; i++) {
    const next = refit(current, node);
    if (!next) break;
    current = next;
    node = draw(current);
  }
  const extra = legendItems.map((item) => ({
    label: item.label,
    svg: swatchSvg(plot, document, item),
  }));
  return makeFigure(composeSvg(node, extra));
}

/**
 * Wraps SVG text into a {@linkcode Figure}.
 *
 * @example
 * ```ts
 * import { makeFigure } from "@vnmig/vnmig/plot";
 * const f = makeFigure('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
 * if (f.svg.length === 0) throw new Error();
 * ```
 */
export function makeFigure(svg: string): Figure {
  const figure: Figure & { [key: symbol]: unknown } = {
    svg,
    toPng(options: PngOptions = {}): Promise<Uint8Array> {
      return svgToPng(svg, options);
    },
    async save(
      basePath: string,
      formats: readonly ("svg" | "png")[] = ["svg", "png"],
    ): Promise<string[]> {
      // Render everything first, so that a failure writes nothing.
      const contents: [string, string | Uint8Array][] = [];
      for (const format of formats) {
        contents.push([
          `${basePath}.${format}`,
          format === "svg" ? svg : await svgToPng(svg),
        ]);
      }
      const { rename, writeFile } = await import("node:fs/promises");
      for (const [path, data] of contents) {
        const aside = `${path}.partial`;
        await writeFile(aside, data);
        await rename(aside, path);
      }
      return contents.map(([path]) => path);
    },
  };
  // The Deno Jupyter kernel calls this to show the figure inline.
  figure[Symbol.for("Jupyter.display")] = () => ({ "image/svg+xml": svg });
  return figure;
}

/**
 * Renders SVG text to PNG bytes with resvg and one embedded font file.
 *
 * @example
 * ```ts
 * import { svgToPng } from "@vnmig/vnmig/plot";
 * const png = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>');
 * if (png[1] !== 0x50) throw new Error('not the "P" of the PNG signature');
 * ```
 */
export async function svgToPng(
  svg: string,
  options: PngOptions = {},
): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  assertInRange("scale", scale, 0.1, 16);
  const fontFile = options.fontFile ?? defaultFontFile();
  // Without its font, resvg would silently draw a figure with no text.
  const { existsSync } = await import("node:fs");
  if (!existsSync(fontFile)) {
    throw new RangeError(
      `fontFile must name a readable font file (DejaVu Sans; the package ships fonts/DejaVuSans.ttf); got ${
        JSON.stringify(fontFile)
      }`,
    );
  }
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: [fontFile],
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}
