// The second look plotFigure takes at every figure: after a first render it
// knows each scale's type and domain, so it gives log and symlog axes
// ticks at the powers of ten with plain labels, scales linear axes that
// carry a unit (seconds shown as ms, ...), then grows the margins until no
// label sticks out of the SVG and thins or spreads x tick labels that run
// into each other (across facets too).

import type * as PlotModule from "@observablehq/plot";
import { collisions, overflow, textBoxes } from "./_svg_text.ts";
import {
  type AxisUnit,
  linearUnit,
  logTicks,
  symlogTicks,
  unitFormat,
} from "./ticks.ts";

type ScaleOptions = PlotModule.ScaleOptions & { unit?: AxisUnit };
type Options = Record<string, unknown> & {
  x?: ScaleOptions;
  y?: ScaleOptions;
  fx?: PlotModule.ScaleOptions;
};

/** What Plot returns: a figure or an svg, with its materialised scales. */
export type Rendered = Element & {
  scale(name: string): PlotModule.Scale | undefined;
};

// Room kept between a label and the SVG's edge, pixels.
const EDGE_PIXELS = 3;
// Pixels per tick a log axis may use (x labels are wider than y labels).
const LOG_TICK_PIXELS = { x: 60, y: 26 };

/** The plot's own <svg> in what Plot returned (the last direct svg child of a figure). */
export function plotSvg(node: Element): Element {
  if (node.tagName.toLowerCase() === "svg") return node;
  const svgs = Array.from(node.children).filter((c) =>
    c.tagName.toLowerCase() === "svg"
  );
  return svgs[svgs.length - 1] ?? node;
}

/** Removes the `unit` option Plot does not know. */
export function withoutUnits(options: Options): Options {
  const out: Options = { ...options };
  for (const key of ["x", "y"] as const) {
    const scale = options[key];
    if (scale && "unit" in scale) {
      const { unit: _unit, ...rest } = scale;
      out[key] = rest;
    }
  }
  return out;
}

function adjustAxis(
  user: ScaleOptions | undefined,
  scale: PlotModule.Scale | undefined,
  axis: "x" | "y",
  pixels: number,
): ScaleOptions | undefined {
  if (!scale) return user;
  const { unit, ...given } = user ?? {};
  const out: ScaleOptions = { ...given };
  const domain = (scale.domain ?? []) as number[];
  const format = unitFormat(unit);
  const maxTicks = Math.max(2, Math.floor(pixels / LOG_TICK_PIXELS[axis]));
  if (scale.type === "log") {
    if (given.ticks === undefined) {
      const ticks = logTicks(domain, maxTicks);
      if (ticks.length >= 2) out.ticks = ticks;
    }
    out.tickFormat ??= format;
  } else if (scale.type === "symlog") {
    if (given.ticks === undefined) {
      const ticks = symlogTicks(domain, maxTicks);
      if (ticks.length >= 2) out.ticks = ticks;
    }
    out.tickFormat ??= format;
  } else if (
    unit !== undefined && unit !== "count" && given.transform === undefined &&
    (scale.type === "linear" || scale.type === "pow" ||
      scale.type === "sqrt")
  ) {
    const { factor, suffix } = linearUnit(unit, domain);
    if (factor !== 1) {
      out.transform = (v: number) => v * factor;
      if (given.domain) {
        out.domain = [...given.domain].map((v) => (v as number) * factor);
      }
    }
    const label = given.label !== undefined ? given.label : scale.label;
    if (label) out.label = `${label} (${suffix})`;
  }
  return out;
}

/** Options for the second render: each x/y axis given ticks and labels from its first-render scale. */
export function adjustAxes(options: Options, first: Rendered): Options {
  const width = Number(plotSvg(first).getAttribute("width") ?? 640);
  const height = Number(plotSvg(first).getAttribute("height") ?? 400);
  return {
    ...options,
    x: adjustAxis(options.x, first.scale("x"), "x", width),
    y: adjustAxis(options.y, first.scale("y"), "y", height),
  };
}

function range(scale: PlotModule.Scale | undefined): number[] | undefined {
  const r = scale?.range as number[] | undefined;
  return r && r.length >= 2 && r.every(Number.isFinite) ? r : undefined;
}

// The margins Plot used, read back from the scales' pixel ranges.
function marginsOf(node: Rendered, width: number, height: number) {
  const h = range(node.scale("fx")) ?? range(node.scale("x"));
  const v = range(node.scale("fy")) ?? range(node.scale("y"));
  return {
    marginLeft: h ? Math.min(...h) : undefined,
    marginRight: h ? width - Math.max(...h) : undefined,
    marginTop: v ? Math.min(...v) : undefined,
    marginBottom: v ? height - Math.max(...v) : undefined,
  };
}

/**
 * What to change for the next render so that every label fits and no x
 * tick labels collide, or null when the render is right.
 */
export function refit(options: Options, node: Rendered): Options | null {
  const svg = plotSvg(node);
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const boxes = textBoxes(svg);
  const out = overflow(boxes);
  const margins = marginsOf(node, width, height);
  const next: Options = { ...options };
  let changed = false;
  for (
    const [side, key] of [
      ["left", "marginLeft"],
      ["right", "marginRight"],
      ["top", "marginTop"],
      ["bottom", "marginBottom"],
    ] as const
  ) {
    const current = margins[key] ?? (options[key] as number | undefined);
    if (out[side] > 0.5 && current !== undefined) {
      next[key] = Math.ceil(current + out[side] + EDGE_PIXELS);
      changed = true;
    }
  }
  const hits = collisions(boxes, "x-axis tick label");
  if (hits.length > 0) {
    const sameFacet = hits.some(([a, b]) => a.parent === b.parent);
    const fx = node.scale("fx");
    if (sameFacet || !fx) {
      const x = options.x ?? {};
      const ticks = x.ticks;
      if (Array.isArray(ticks) && ticks.length > 2) {
        next.x = { ...x, ticks: ticks.filter((_, i) => i % 2 === 0) };
        changed = true;
      } else if (ticks === undefined || typeof ticks === "number") {
        const shown = boxes.filter((b) =>
          b.role === "x-axis tick label"
        ).length;
        const facets = fx ? [...(fx.domain ?? [1])].length : 1;
        const count = Math.max(
          2,
          Math.floor(
            Math.min(typeof ticks === "number" ? ticks : Infinity, shown) /
              facets / 2,
          ),
        );
        next.x = { ...x, ticks: count };
        changed = true;
      }
    } else {
      // Labels of neighbouring facets meet: widen the gap between facets.
      const overlap = Math.max(...hits.map(([a, b]) => a.right - b.left));
      const step = (fx as { step?: number }).step ?? width;
      const padding = (options.fx?.padding as number | undefined) ??
        (fx as { paddingInner?: number }).paddingInner ?? 0.1;
      next.fx = {
        ...options.fx,
        padding: Math.min(0.6, padding + (overlap + 12) / step),
      };
      changed = true;
    }
  }
  // y tick labels set too close (0 and 1 on a short symlog axis): keep,
  // from the bottom up, only those clear of the last one kept.
  const yTicks = options.y?.ticks;
  if (Array.isArray(yTicks) && collisions(boxes, "y-axis tick label").length) {
    const first = boxes.find((b) => b.role === "y-axis tick label")?.parent;
    const mine = boxes.filter((b) =>
      b.role === "y-axis tick label" && b.parent === first
    );
    if (mine.length === yTicks.length) {
      const order = mine.map((b, i) => ({ b, i }))
        .sort((p, q) => q.b.bottom - p.b.bottom);
      const kept = new Set<number>();
      let top = Infinity;
      for (const { b, i } of order) {
        if (b.bottom <= top - 1) {
          kept.add(i);
          top = b.top;
        }
      }
      next.y = { ...options.y, ticks: yTicks.filter((_, i) => kept.has(i)) };
      changed = true;
    }
  }
  return changed ? next : null;
}
