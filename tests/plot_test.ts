import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import {
  cbrStream,
  outage,
  pathElement,
  plotFigure,
  simulatePackets,
  timelineFigure,
  timelineRows,
} from "../mod.ts";

Deno.test("a continuous colour legend keeps the plot's full width and renders", async () => {
  const data = Array.from(
    { length: 20 },
    (_, i) => ({ x: i % 5, y: Math.floor(i / 5), v: i }),
  );
  const figure = await plotFigure({
    width: 600,
    color: { legend: true, scheme: "viridis" },
    marks: [Plot.cell(data, { x: "x", y: "y", fill: "v" })],
  });
  assert.match(
    figure.svg,
    /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="600"/,
  );
  assert.match(figure.svg, /<image[^>]*href="data:image\/svg\+xml;base64,/);
  const png = await figure.toPng({ scale: 1 });
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  // The IHDR width field: 600 px at scale 1.
  assert.equal(new DataView(png.buffer, png.byteOffset).getUint32(16), 600);
});

Deno.test("a swatch legend is drawn in SVG with every label", async () => {
  const figure = await plotFigure({
    color: { legend: true },
    marks: [
      Plot.dot([{ x: 1, y: 1, c: "alpha" }, { x: 2, y: 2, c: "beta" }], {
        x: "x",
        y: "y",
        fill: "c",
      }),
    ],
  });
  assert.match(figure.svg, />alpha<\/text>/);
  assert.match(figure.svg, />beta<\/text>/);
});

Deno.test("timeline rows thin delivered packets but keep every lost one", async () => {
  const { packets } = simulatePackets(
    cbrStream({ packetsPerSecond: 100_000, endSeconds: 1 }),
    [pathElement({ changes: outage(0.5, 0.5001) })],
    { recordPackets: true },
  );
  const rows = timelineRows(packets!, 1000);
  assert.equal(rows.filter((r) => r.fate === "lost").length, 10);
  assert.ok(rows.length <= 1000 + 10);
  assert.match((await timelineFigure(packets!)).svg, /packet sequence number/);
});

Deno.test("PNG output names a missing font file and a bad scale", async () => {
  const figure = await plotFigure({
    marks: [Plot.dot([{ x: 1, y: 1 }], { x: "x", y: "y" })],
  });
  await assert.rejects(
    () => figure.toPng({ fontFile: "/nonexistent/font.ttf" }),
    /fontFile must name a readable font file .*got "\/nonexistent\/font.ttf"/,
  );
  await assert.rejects(
    () => figure.toPng({ scale: 0 }),
    /scale must be a finite number in \[0.1, 16\]; got 0/,
  );
});
