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
import { assertInRange } from "../_validate.ts";

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
  /** Font file used for all text. Default DejaVu Sans from Debian. */
  fontFile?: string;
}

/** The default font for PNG output (Debian's fonts-dejavu-core). */
export const DEFAULT_FONT_FILE =
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

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

function toSvgText(node: Element): string {
  if (node.tagName.toLowerCase() === "svg") {
    node.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return node.outerHTML;
  }
  // A plot with a title or a legend is an HTML <figure>: lay its parts out
  // in one <svg> so that the result stands alone (PNG, files, notebooks).
  // The widest child sets the width: a colour ramp legend comes before the
  // plot and is narrower.
  const width = Math.max(
    320,
    ...Array.from(node.children)
      .filter((c) => c.tagName.toLowerCase() === "svg")
      .map((c) => Number(c.getAttribute("width") ?? 640)),
  );
  const parts: string[] = [];
  let y = 0;
  for (const child of Array.from(node.children)) {
    const tag = child.tagName.toLowerCase();
    if (tag === "svg") {
      child.setAttribute("y", String(y));
      parts.push(child.outerHTML);
      y += Number(child.getAttribute("height") ?? 400);
    } else if (tag === "div") {
      y = swatches(child, parts, y, width);
    } else {
      const text = (child.textContent ?? "").replace(/\s+/g, " ").trim();
      if (!text) continue;
      const size = tag === "h2" ? 15 : tag === "h3" ? 12 : 11;
      y += size + 6;
      parts.push(
        `<text x="4" y="${y - 4}" font-size="${size}"${
          tag === "h2" ? ' font-weight="bold"' : ""
        }${tag === "h3" ? ' fill="#555"' : ""}>${escapeXml(text)}</text>`,
      );
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="DejaVu Sans, sans-serif" font-size="10"><rect width="100%" height="100%" fill="white"/>${
    parts.join("")
  }</svg>`;
}

// Draws Plot's HTML swatch legend in SVG: each swatch is already a small
// <svg> (a square, or a symbol), placed with its label, wrapping lines.
function swatches(
  div: Element,
  parts: string[],
  top: number,
  width: number,
): number {
  const items = Array.from(div.querySelectorAll("span"));
  if (items.length === 0) return top;
  let x = 4;
  let y = top + 6;
  for (const span of items) {
    const swatch = span.querySelector("svg");
    const label = (span.textContent ?? "").trim();
    const itemWidth = 22 + label.length * 6.5 + 14;
    if (x + itemWidth > width && x > 4) {
      x = 4;
      y += 20;
    }
    if (swatch) {
      swatch.setAttribute("x", String(x));
      swatch.setAttribute("y", String(y));
      swatch.setAttribute("width", "14");
      swatch.setAttribute("height", "14");
      swatch.setAttribute("overflow", "visible");
      parts.push(swatch.outerHTML);
    }
    parts.push(
      `<text x="${x + 19}" y="${y + 11}" font-size="11">${
        escapeXml(label)
      }</text>`,
    );
    x += itemWidth;
  }
  return y + 20;
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

/**
 * Renders Observable Plot options to a {@linkcode Figure}: either options
 * built with your own `import * as Plot from "@observablehq/plot"`, or a
 * function that receives the Plot module and returns them (so that nothing
 * loads Plot before the first figure). Use `color: { legend: true }` as
 * usual: the legend is drawn into the same SVG.
 *
 * @example
 * ```ts
 * import { plotFigure } from "@vnmig/vnmig/plot";
 * const figure = await plotFigure((Plot) => ({
 *   marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })],
 * }));
 * if (!figure.svg.startsWith("<svg")) throw new Error();
 * ```
 */
export async function plotFigure(
  options: PlotOptions | ((plot: Plot) => PlotOptions),
): Promise<Figure> {
  const { plot, document } = await renderer();
  const resolved = typeof options === "function" ? options(plot) : options;
  const node = plot.plot({
    ...resolved,
    document,
  } as PlotOptions) as unknown as Element;
  return makeFigure(toSvgText(node));
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
  const fontFile = options.fontFile ?? DEFAULT_FONT_FILE;
  // Without its font, resvg would silently draw a figure with no text.
  const { existsSync } = await import("node:fs");
  if (!existsSync(fontFile)) {
    throw new RangeError(
      `fontFile must name a readable font file (Debian: apt-get install fonts-dejavu-core); got ${
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
