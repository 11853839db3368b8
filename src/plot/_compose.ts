// Lays out what Observable Plot returns (an <svg>, or an HTML <figure> with
// a title, a subtitle, legends and the plot) as one standalone <svg>, so
// that the result is the same in PNG files, SVG files and notebooks.

import { textWidthPixels } from "./_text_width.ts";

/** A legend entry drawn under Plot's own legends: a swatch (SVG markup, 14 x 14) and its label. */
export interface Swatch {
  readonly svg: string;
  readonly label: string;
}

/** Escapes text for SVG/HTML. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

// Splits a title into lines no wider than `width` pixels.
function wrap(
  text: string,
  size: number,
  bold: boolean,
  width: number,
): string[] {
  const words = text.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (
      line &&
      textWidthPixels(candidate, size, bold ? "bold" : "normal") > width
    ) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

// Draws a row of swatches with labels, wrapping lines; returns the new y.
function drawSwatches(
  items: readonly { swatch: Element | string | null; label: string }[],
  parts: string[],
  top: number,
  width: number,
): number {
  if (items.length === 0) return top;
  let x = 4;
  let y = top + 6;
  for (const { swatch, label } of items) {
    const itemWidth = 19 + textWidthPixels(label, 11) + 16;
    if (x + itemWidth > width && x > 4) {
      x = 4;
      y += 20;
    }
    if (typeof swatch === "string") {
      parts.push(
        `<svg x="${x}" y="${y}" width="14" height="14" overflow="visible">${swatch}</svg>`,
      );
    } else if (swatch) {
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

/** Plot's output and extra legend entries as one standalone SVG text. */
export function composeSvg(node: Element, extra: readonly Swatch[]): string {
  const extraItems = extra.map((s) => ({ swatch: s.svg, label: s.label }));
  if (node.tagName.toLowerCase() === "svg" && extraItems.length === 0) {
    node.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return node.outerHTML;
  }
  const children = node.tagName.toLowerCase() === "svg"
    ? [node]
    : Array.from(node.children);
  // The widest child sets the width: a colour ramp legend comes before the
  // plot and is narrower.
  const width = Math.max(
    320,
    ...children
      .filter((c) => c.tagName.toLowerCase() === "svg")
      .map((c) => Number(c.getAttribute("width") ?? 640)),
  );
  const parts: string[] = [];
  let y = 0;
  let extraDrawn = false;
  const drawExtra = () => {
    if (extraDrawn) return;
    extraDrawn = true;
    y = drawSwatches(extraItems, parts, y, width);
  };
  for (const child of children) {
    const tag = child.tagName.toLowerCase();
    if (tag === "svg") {
      drawExtra();
      child.setAttribute("y", String(y));
      parts.push(child.outerHTML);
      y += Number(child.getAttribute("height") ?? 400);
    } else if (tag === "div") {
      const items = Array.from(child.querySelectorAll("span")).map((s) => ({
        swatch: s.querySelector("svg"),
        label: (s.textContent ?? "").trim(),
      }));
      y = drawSwatches(items, parts, y, width);
    } else {
      const text = (child.textContent ?? "").replace(/\s+/g, " ").trim();
      if (!text) continue;
      const size = tag === "h2" ? 15 : tag === "h3" ? 12 : 11;
      for (const line of wrap(text, size, tag === "h2", width - 8)) {
        y += size + 6;
        parts.push(
          `<text x="4" y="${y - 4}" font-size="${size}"${
            tag === "h2" ? ' font-weight="bold"' : ""
          }${tag === "h3" ? ' fill="#555"' : ""}>${escapeXml(line)}</text>`,
        );
      }
    }
  }
  drawExtra();
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="DejaVu Sans, sans-serif" font-size="10"><rect width="100%" height="100%" fill="white"/>${
    parts.join("")
  }</svg>`;
}
