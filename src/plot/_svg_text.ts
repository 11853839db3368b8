// Where each piece of text of an SVG lands, in the root's pixels: what
// plotFigure uses to size margins to the labels and to see colliding tick
// labels, and what the tests use to check a figure. It reads the layout
// Observable Plot writes (nested translate() transforms, x/y/dx/dy in px
// or em, inherited font-size, font-weight and text-anchor, nested <svg>
// viewports) and measures text with DejaVu Sans' advance widths.

import { textWidthPixels } from "./_text_width.ts";

/** A rectangle in the root SVG's pixels. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** One text element, measured. */
export interface TextBox extends Rect {
  /** Its text (lines joined by "\n"). */
  readonly text: string;
  /** The aria-label of the nearest labelled ancestor ("y-axis tick label"), if any. */
  readonly role: string | null;
  /** Its parent element: labels of one facet share it. */
  readonly parent: Element | null;
  /** The nearest enclosing <svg>'s viewport: text outside it is cut. */
  readonly viewport: Rect;
  /** Whether a rotate/scale transform applies (then the box is not measured). */
  readonly transformed: boolean;
}

interface State {
  x: number;
  y: number;
  fontSize: number;
  weight: "normal" | "bold";
  anchor: string;
  role: string | null;
  viewport: Rect;
  transformed: boolean;
}

function length(value: string | null, fontSize: number): number {
  if (!value) return 0;
  const n = parseFloat(value);
  if (!Number.isFinite(n)) return 0;
  return value.trim().endsWith("em") ? n * fontSize : n;
}

// translate(a, b) sums; any other transform marks the subtree.
function applyTransform(state: State, transform: string | null): void {
  if (!transform) return;
  for (const m of transform.matchAll(/(\w+)\(([^)]*)\)/g)) {
    if (m[1] !== "translate") {
      state.transformed = true;
      continue;
    }
    const [a, b] = m[2].split(/[\s,]+/).filter((s) => s !== "").map(Number);
    state.x += a || 0;
    state.y += b || 0;
  }
}

function lines(text: Element): string[] {
  const spans = Array.from(text.children).filter((c) =>
    c.tagName.toLowerCase() === "tspan"
  );
  if (spans.length === 0) return [text.textContent ?? ""];
  return spans.map((s) => s.textContent ?? "");
}

function measure(text: Element, state: State, out: TextBox[]): void {
  const fontSize = state.fontSize;
  const x = state.x + length(text.getAttribute("x"), fontSize) +
    length(text.getAttribute("dx"), fontSize);
  const baseline = state.y + length(text.getAttribute("y"), fontSize) +
    length(text.getAttribute("dy"), fontSize);
  const content = lines(text);
  const width = Math.max(
    0,
    ...content.map((l) => textWidthPixels(l, fontSize, state.weight)),
  );
  const left = state.anchor === "end"
    ? x - width
    : state.anchor === "middle"
    ? x - width / 2
    : x;
  out.push({
    text: content.join("\n"),
    left,
    right: left + width,
    top: baseline - 0.8 * fontSize,
    bottom: baseline + 0.25 * fontSize + (content.length - 1) * fontSize,
    role: state.role,
    parent: text.parentElement,
    viewport: state.viewport,
    transformed: state.transformed,
  });
}

function walk(element: Element, parent: State, out: TextBox[]): void {
  const tag = element.tagName.toLowerCase();
  if (tag === "style" || tag === "title" || tag === "defs") return;
  const state: State = { ...parent };
  if (tag === "svg") {
    state.x += length(element.getAttribute("x"), state.fontSize);
    state.y += length(element.getAttribute("y"), state.fontSize);
    const width = Number(element.getAttribute("width") ?? NaN);
    const height = Number(element.getAttribute("height") ?? NaN);
    if (Number.isFinite(width) && Number.isFinite(height)) {
      state.viewport = {
        left: state.x,
        top: state.y,
        right: state.x + width,
        bottom: state.y + height,
      };
    }
  }
  if (tag !== "text") applyTransform(state, element.getAttribute("transform"));
  const size = element.getAttribute("font-size");
  if (size !== null && Number.isFinite(parseFloat(size))) {
    state.fontSize = parseFloat(size);
  }
  const weight = element.getAttribute("font-weight");
  if (weight !== null) {
    state.weight = weight === "bold" || Number(weight) >= 600
      ? "bold"
      : "normal";
  }
  const anchor = element.getAttribute("text-anchor");
  if (anchor !== null) state.anchor = anchor;
  const role = element.getAttribute("aria-label");
  if (role !== null) state.role = role;
  if (tag === "text") {
    applyTransform(state, element.getAttribute("transform"));
    measure(element, state, out);
    return;
  }
  for (const child of Array.from(element.children)) walk(child, state, out);
}

/** Every text element under `root` (an <svg>), measured in its pixels. */
export function textBoxes(root: Element): TextBox[] {
  const out: TextBox[] = [];
  const width = Number(root.getAttribute("width") ?? 0);
  const height = Number(root.getAttribute("height") ?? 0);
  walk(root, {
    x: 0,
    y: 0,
    fontSize: 16,
    weight: "normal",
    anchor: "start",
    role: null,
    viewport: { left: 0, top: 0, right: width, bottom: height },
    transformed: false,
  }, out);
  return out;
}

/** How far text sticks out of its viewport on each side (0 when it fits). */
export function overflow(boxes: readonly TextBox[]): Rect {
  const out = { left: 0, top: 0, right: 0, bottom: 0 };
  for (const b of boxes) {
    if (b.transformed || b.text.trim() === "") continue;
    out.left = Math.max(out.left, b.viewport.left - b.left);
    out.right = Math.max(out.right, b.right - b.viewport.right);
    out.top = Math.max(out.top, b.viewport.top - b.top);
    out.bottom = Math.max(out.bottom, b.bottom - b.viewport.bottom);
  }
  return out;
}

/**
 * Pairs of boxes of one role that overlap (with `gapPixels` to spare), e.g.
 * x tick labels of neighbouring facets that run into each other.
 */
export function collisions(
  boxes: readonly TextBox[],
  role: string,
  gapPixels = 2,
): [TextBox, TextBox][] {
  const mine = boxes
    .filter((b) => b.role === role && !b.transformed && b.text.trim() !== "")
    .sort((a, b) => a.left - b.left);
  const pairs: [TextBox, TextBox][] = [];
  for (let i = 0; i < mine.length; i++) {
    for (let j = i + 1; j < mine.length; j++) {
      const [a, b] = [mine[i], mine[j]];
      if (b.left >= a.right + gapPixels) break;
      const vertical = a.top < b.bottom && b.top < a.bottom;
      if (vertical) pairs.push([a, b]);
    }
  }
  return pairs;
}
