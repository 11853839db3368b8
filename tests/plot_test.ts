import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { Resvg } from "@resvg/resvg-js";
import { DOMParser, parseHTML } from "linkedom";
import {
  categoryScale,
  cbrStream,
  countFates,
  DEFAULT_FONT_FILE,
  htmlTable,
  outage,
  pathElement,
  plotFigure,
  seriesStyles,
  simulatePackets,
  sweepFigure,
  TIMELINE_FATES,
  timelineFigure,
  timelineRows,
  timelineRuns,
} from "../mod.ts";
import { svgToPng } from "../src/plot/mod.ts";
import { MECHANISMS } from "../src/mechanisms/mod.ts";
import { collisions, textBoxes } from "../src/plot/_svg_text.ts";

// --- helpers -------------------------------------------------------------

function parse(svg: string): Element {
  return new DOMParser().parseFromString(svg, "image/svg+xml")
    .documentElement as unknown as Element;
}

// What raw Observable Plot draws (Plot's fixed margins, its own ticks):
// the negative control of every fitting check.
function rawPlot(options: Plot.PlotOptions): string {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const node = Plot.plot({ ...options, document }) as unknown as Element;
  node.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  return node.outerHTML;
}

const PAD = 200;

// Renders the SVG with resvg (real DejaVu Sans glyphs) onto a canvas PAD
// pixels larger on every side, nothing clipped, and counts the inked
// pixels outside the original canvas: anything there is cut in the real
// figure. Independent of the text measurement plotFigure uses.
function inkOutside(svg: string): number {
  const root = parse(svg);
  const width = Number(root.getAttribute("width"));
  const height = Number(root.getAttribute("height"));
  root.setAttribute("x", String(PAD));
  root.setAttribute("y", String(PAD));
  root.removeAttribute("viewBox");
  for (const el of [root, ...Array.from(root.querySelectorAll("svg"))]) {
    el.setAttribute("overflow", "visible");
  }
  for (const rect of Array.from(root.querySelectorAll("rect"))) {
    if (rect.getAttribute("width") === "100%") rect.remove();
  }
  const wrapped = `<svg xmlns="http://www.w3.org/2000/svg" width="${
    width + 2 * PAD
  }" height="${height + 2 * PAD}">${root.outerHTML}</svg>`;
  const image = new Resvg(wrapped, {
    font: {
      loadSystemFonts: false,
      fontFiles: [FONT_FILE],
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  }).render();
  const pixels = image.pixels;
  let outside = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const inside = x >= PAD && x < PAD + width && y >= PAD &&
        y < PAD + height;
      if (!inside && pixels[4 * (y * image.width + x) + 3] > 0) outside++;
    }
  }
  return outside;
}

// Tick label texts of an axis, in document order.
function tickLabels(svg: string, axis: string): string[] {
  const group = Array.from(parse(svg).querySelectorAll("g")).find((g) =>
    g.getAttribute("aria-label") === `${axis}-axis tick label`
  );
  assert.ok(group, `no ${axis}-axis tick labels`);
  return Array.from(group.querySelectorAll("text")).map((t) =>
    t.textContent ?? ""
  );
}

function gridLines(svg: string, axis: string): number {
  const group = Array.from(parse(svg).querySelectorAll("g")).find((g) =>
    g.getAttribute("aria-label") === `${axis}-grid`
  );
  return group ? group.querySelectorAll("line").length : 0;
}

// The package's own font: part of the repository, so never missing here.
const FONT_FILE = DEFAULT_FONT_FILE!;

Deno.test("PNG text without a fontFile: the package's DejaVu Sans on every system, never a Debian-only path", async () => {
  assert.ok(FONT_FILE.endsWith("/fonts/DejaVuSans.ttf"), FONT_FILE);
  assert.ok(!FONT_FILE.startsWith("/usr/share/fonts"));
  const svg = (text: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="14" font-family="DejaVu Sans" font-size="12">${text}</text></svg>`;
  const [byDefault, withShipped, blank] = await Promise.all([
    svgToPng(svg("0.5 s"), { scale: 1 }),
    svgToPng(svg("0.5 s"), { scale: 1, fontFile: FONT_FILE }),
    svgToPng(svg(""), { scale: 1 }),
  ]);
  // The default draws the same pixels as the shipped font, and text at all
  // (a missing font would give the blank image).
  assert.deepEqual(byDefault, withShipped);
  assert.notDeepEqual(byDefault, blank);
});

// --- margins -------------------------------------------------------------

const sixDigits = [1, 2, 3, 4, 5].map((i) => ({ x: i, y: i * 35_000 }));

Deno.test({
  name: "six-digit ticks are not cut: no glyph outside the canvas (resvg)",
  fn: async () => {
    const options = {
      width: 400,
      height: 240,
      marginLeft: 40,
      y: { grid: true },
    };
    const marks = [Plot.dot(sixDigits, { x: "x", y: "y" })];
    const raw = rawPlot({ ...options, marks });
    // Negative control: Plot's fixed 40 px margin cuts "140,000".
    assert.ok(
      inkOutside(raw) > 20,
      "the control should stick out of the canvas",
    );
    const fitted = await plotFigure({ ...options, marks });
    assert.ok(tickLabels(fitted.svg, "y").includes("140,000"));
    assert.equal(inkOutside(fitted.svg), 0);
  },
});

Deno.test("every text fits inside its viewport, titles and legends included", async () => {
  const raw = rawPlot({
    width: 400,
    marginLeft: 40,
    marks: [Plot.dot(sixDigits, { x: "x", y: "y" })],
  });
  const cut = textBoxes(parse(raw)).filter((b) => b.left < b.viewport.left)
    .map((b) => b.text);
  assert.ok(cut.includes("140,000"), `control: ${cut}`);
  const fitted = await plotFigure({
    title:
      "A title long enough that it must wrap onto a second line to stay inside a figure this narrow",
    width: 400,
    marginLeft: 40,
    color: { legend: true },
    marks: [
      Plot.dot(sixDigits, { x: "x", y: "y", fill: (d) => `series ${d.x}` }),
    ],
  });
  for (const b of textBoxes(parse(fitted.svg)).filter((b) => !b.transformed)) {
    assert.ok(
      b.left >= b.viewport.left - 0.5 && b.right <= b.viewport.right + 0.5,
      `${
        JSON.stringify(b.text)
      } spans [${b.left}, ${b.right}] outside [${b.viewport.left}, ${b.viewport.right}]`,
    );
  }
});

Deno.test("long band labels on the left widen the margin to fit", async () => {
  const rows = ["plane separation: destination data plane forwarding", "a"]
    .map((row, i) => ({ row, start: i, end: i + 2 }));
  const options = {
    width: 600,
    marks: [Plot.barX(rows, { x1: "start", x2: "end", y: "row" })],
  };
  assert.ok(
    textBoxes(parse(rawPlot(options))).some((b) => b.left < 0),
    "control",
  );
  const fitted = await plotFigure(options);
  const boxes = textBoxes(parse(fitted.svg));
  assert.ok(boxes.filter((b) => !b.transformed).every((b) => b.left >= 0));
});

Deno.test("x tick labels of neighbouring facets do not collide", async () => {
  const data = ["a", "b", "c"].flatMap((f) =>
    [1000, 3000, 5000].map((x) => ({ x, y: x, f }))
  );
  const options = {
    width: 360,
    height: 200,
    x: { ticks: [1000, 5000] },
    marks: [Plot.dot(data, { x: "x", y: "y", fx: "f" })],
  };
  const rawHits = collisions(
    textBoxes(parse(rawPlot(options))),
    "x-axis tick label",
  );
  assert.ok(rawHits.length > 0, "control: 5,000 runs into 1,000");
  const fitted = await plotFigure(options);
  assert.deepEqual(
    collisions(textBoxes(parse(fitted.svg)), "x-axis tick label"),
    [],
  );
  // The ticks asked for are all still there, in every facet.
  assert.equal(
    tickLabels(fitted.svg, "x").filter((t) => t === "5,000").length,
    3,
  );
});

Deno.test("crowded x tick labels within one panel are thinned", async () => {
  const data = [1, 2].map((i) => ({ x: i * 100_000_000, y: i }));
  const options = {
    width: 260,
    x: { ticks: 20 },
    marks: [Plot.dot(data, { x: "x", y: "y" })],
  };
  assert.ok(
    collisions(textBoxes(parse(rawPlot(options))), "x-axis tick label")
      .length > 0,
    "control",
  );
  const fitted = await plotFigure(options);
  assert.deepEqual(
    collisions(textBoxes(parse(fitted.svg)), "x-axis tick label"),
    [],
  );
});

// --- tick formats ----------------------------------------------------------

Deno.test("log axes: powers of ten, plain labels, grid only at labelled ticks", async () => {
  const data = [{ x: 1, y: 0.004 }, { x: 2, y: 120_000 }];
  const raw = rawPlot({
    y: { type: "log", grid: true },
    marks: [Plot.dot(data, { x: "x", y: "y" })],
  });
  assert.ok(
    tickLabels(raw, "y").some((t) => /[mk]$/.test(t)),
    "control: Plot's SI labels",
  );
  assert.ok(gridLines(raw, "y") > tickLabels(raw, "y").filter(Boolean).length);
  const figure = await plotFigure({
    y: { type: "log", grid: true },
    marks: [Plot.dot(data, { x: "x", y: "y" })],
  });
  const labels = tickLabels(figure.svg, "y");
  assert.deepEqual(labels, [
    "0.01",
    "0.1",
    "1",
    "10",
    "100",
    "1,000",
    "10,000",
    "100,000",
  ]);
  assert.equal(gridLines(figure.svg, "y"), labels.length);
});

Deno.test("seconds: a log axis labels each tick with its unit, a linear one shows ms", async () => {
  const log = await plotFigure({
    y: { type: "log", unit: "seconds", label: "total migration time" },
    marks: [Plot.dot([{ x: 1, y: 0.0045 }, { x: 2, y: 120 }], {
      x: "x",
      y: "y",
    })],
  });
  assert.deepEqual(tickLabels(log.svg, "y"), [
    "10 ms",
    "100 ms",
    "1 s",
    "10 s",
    "100 s",
  ]);
  assert.ok(!log.svg.includes("k ms"));
  const ms = [0.004, 0.022].map((y, i) => ({ x: i, y }));
  const linear = await plotFigure({
    y: { unit: "seconds", label: "total migration time" },
    marks: [
      Plot.dot(ms, { x: "x", y: "y" }),
      Plot.ruleY([0.02], { stroke: "red" }),
    ],
  });
  assert.match(linear.svg, /total migration time \(ms\)/);
  const labels = tickLabels(linear.svg, "y").map((t) => Number(t));
  assert.ok(labels.includes(20), `ticks in ms: ${labels}`);
  assert.ok(labels.every((v) => Number.isInteger(v)));
  // The rule bound to the same scale moved with it: it sits at 20 ms.
  const doc = parse(linear.svg);
  const tick20 = Array.from(doc.querySelectorAll("text")).find((t) =>
    t.textContent === "20"
  )!;
  const tickY = Number(
    /translate\([-\d.]+,([-\d.]+)\)/.exec(
      tick20.getAttribute("transform")!,
    )![1],
  );
  const rule = Array.from(doc.querySelectorAll("g")).find((g) =>
    g.getAttribute("aria-label") === "rule"
  )!.querySelector("line")!;
  assert.ok(Math.abs(Number(rule.getAttribute("y1")) - tickY) < 0.01);
  const big = await plotFigure({
    y: { unit: "seconds", label: "time" },
    marks: [Plot.dot([{ x: 0, y: 2 }, { x: 1, y: 30 }], { x: "x", y: "y" })],
  });
  assert.match(big.svg, /time \(s\)/);
});

Deno.test("symlog counts: 0 and powers of ten, never '0k'", async () => {
  const data = [{ x: 1, y: 0 }, { x: 2, y: 9_500 }];
  // Negative control: the "~s" format the notebook used said 0k four times.
  const raw = rawPlot({
    y: { type: "symlog", tickFormat: "~s", ticks: [0, 1, 10, 100, 1000] },
    marks: [Plot.dot(data, { x: "x", y: "y" })],
  });
  assert.deepEqual(tickLabels(raw, "y"), ["0k", "0k", "0k", "0k", "1k"]);
  const figure = await plotFigure({
    y: { type: "symlog", unit: "count" },
    marks: [Plot.dot(data, { x: "x", y: "y" })],
  });
  assert.deepEqual(tickLabels(figure.svg, "y"), [
    "0",
    "1",
    "10",
    "100",
    "1,000",
  ]);
});

Deno.test("ticks and formats the caller gives are kept", async () => {
  const figure = await plotFigure({
    y: { type: "log", ticks: [1, 1000], tickFormat: (v: number) => `${v}!` },
    marks: [Plot.dot([{ x: 1, y: 1 }, { x: 2, y: 1000 }], { x: "x", y: "y" })],
  });
  assert.deepEqual(tickLabels(figure.svg, "y"), ["1!", "1000!"]);
});

// --- sweep figures ---------------------------------------------------------

const zeroes = [1000, 5000, 10000].flatMap((rate) =>
  MECHANISMS.map((m) => ({
    packetsPerSecond: rate,
    mechanism: m.id,
    lost: m.id === "xen-standard" ? rate / 2 : 0,
  }))
);

// The plot's own <svg> (the last child svg of a composed figure).
function plotPart(svg: string): Element {
  const root = parse(svg);
  const svgs = Array.from(root.children).filter((c) =>
    c.tagName.toLowerCase() === "svg"
  );
  return svgs[svgs.length - 1] ?? root;
}

function translation(el: Element | null): [number, number] {
  let x = 0;
  let y = 0;
  for (; el && el.tagName.toLowerCase() !== "svg"; el = el.parentElement) {
    const m = /translate\(([-\d.e]+)[ ,]*([-\d.e]*)\)/.exec(
      el.getAttribute("transform") ?? "",
    );
    if (m) {
      x += Number(m[1]);
      y += Number(m[2] || 0);
    }
  }
  return [x, y];
}

// Pixel centres of the symbols drawn in one colour.
function symbolPositions(svg: string, color: string): string[] {
  return Array.from(plotPart(svg).querySelectorAll("g"))
    .filter((g) => g.getAttribute("aria-label") === "dot")
    .flatMap((g) => Array.from(g.querySelectorAll("path, circle")))
    .filter((p) =>
      (p.getAttribute("stroke") ?? p.parentElement?.getAttribute("stroke")) ===
        color
    )
    .map((p) => translation(p).map((v) => v.toFixed(1)).join(","));
}

Deno.test("series at the same value are dodged apart, each in its registry colour", async () => {
  const styles = seriesStyles(MECHANISMS);
  const options = {
    x: "packetsPerSecond",
    y: "lost",
    series: "mechanism",
    ...styles,
  };
  const [separation, openflow] = [MECHANISMS[1].color, MECHANISMS[2].color];
  const dodged = await sweepFigure(zeroes, options);
  const a = symbolPositions(dodged.svg, separation);
  const b = symbolPositions(dodged.svg, openflow);
  assert.equal(a.length, 3);
  assert.equal(b.length, 3);
  assert.ok(a.every((t) => !b.includes(t)), "both zero series show");
  // Negative control: without dodging they sit on the same spots.
  const stacked = await sweepFigure(zeroes, { ...options, dodgePixels: 0 });
  assert.deepEqual(
    symbolPositions(stacked.svg, separation),
    symbolPositions(stacked.svg, openflow),
  );
  // The legend names mechanisms by label, in their colour and symbol.
  for (const m of MECHANISMS) assert.ok(dodged.svg.includes(`>${m.label}<`));
  assert.ok(!dodged.svg.includes(">xen-standard<"));
});

Deno.test("reference bands and lines: per facet or everywhere, labelled", async () => {
  const rows = zeroes.map((r) => ({ ...r, size: "64 B" })).concat(
    zeroes.map((r) => ({ ...r, size: "1500 B" })),
  );
  const figure = await sweepFigure(rows, {
    x: "packetsPerSecond",
    y: "lost",
    series: "mechanism",
    facet: "size",
    references: [
      { y1: 2000, y2: 3000, label: "paper: about 0.5 s" },
      { y: 4000, label: "only 64", facet: "64 B" },
    ],
  });
  const texts = textBoxes(parse(figure.svg)).map((b) => b.text);
  assert.equal(texts.filter((t) => t === "paper: about 0.5 s").length, 2);
  assert.equal(texts.filter((t) => t === "only 64").length, 1);
  assert.throws(
    () =>
      sweepFigure(rows, {
        x: "packetsPerSecond",
        y: "lost",
        references: [{ label: "x", y1: 1 }],
      }),
    /references\[0\] must give one of y, slope, or both y1 and y2/,
  );
  // A line through the origin (lost = 0.5 s x rate), labelled in each facet.
  const sloped = await sweepFigure(rows, {
    x: "packetsPerSecond",
    y: "lost",
    facet: "size",
    references: [{ slope: 0.5, label: "about 0.5 s of traffic" }],
  });
  const slopedTexts = textBoxes(parse(sloped.svg)).map((b) => b.text);
  assert.equal(
    slopedTexts.filter((t) => t === "about 0.5 s of traffic").length,
    2,
  );
  assert.throws(
    () =>
      sweepFigure(rows, {
        x: "packetsPerSecond",
        y: "lost",
        references: [{ label: "x", y: 1, slope: 2 }],
      }),
    /references\[0\] must give one of y, slope, or both y1 and y2/,
  );
  assert.throws(
    () =>
      sweepFigure(rows, {
        x: "packetsPerSecond",
        y: "lost",
        references: [{
          label: "x",
          y: 1,
          labelPosition: "left" as "above",
        }],
      }),
    /references\[0\]\.labelPosition must be "above" or "below"; got "left"/,
  );
});

Deno.test("a measured series is drawn beside the model, one mark per run, with its own legend entry", async () => {
  const measured = [
    { packetsPerSecond: 5000, lost: 2400, mechanism: "xen-standard" },
    { packetsPerSecond: 5000, lost: 2600, mechanism: "xen-standard" },
    { packetsPerSecond: 5000, lost: 0, mechanism: "openflow" },
  ];
  const styles = seriesStyles(MECHANISMS);
  const figure = await sweepFigure(zeroes, {
    x: "packetsPerSecond",
    y: "lost",
    series: "mechanism",
    ...styles,
    measured: { rows: measured, label: "testbed runs" },
  });
  const doc = plotPart(figure.svg);
  const dotGroups = Array.from(doc.querySelectorAll("g")).filter((g) =>
    g.getAttribute("aria-label") === "dot"
  );
  // Model: 3 mechanisms x 3 rates; measured: 3 runs.
  const marks = dotGroups.reduce(
    (n, g) => n + g.querySelectorAll("path, circle").length,
    0,
  );
  assert.equal(marks, 9 + 3);
  assert.ok(figure.svg.includes(">testbed runs</text>"));
  assert.throws(
    () =>
      sweepFigure(zeroes, {
        x: "packetsPerSecond",
        y: "lost",
        measured: { rows: [{ packetsPerSecond: 1, lost: "many" }] },
      }),
    /measured.rows\[0\] must hold numbers/,
  );
});

Deno.test("sweepFigure rejects a misspelt option", () => {
  assert.throws(
    () =>
      sweepFigure(zeroes, {
        x: "packetsPerSecond",
        y: "lost",
        ...{ serie: "mechanism" },
      }),
    /serie/,
  );
});

// --- colour and tables ----------------------------------------------------

Deno.test("categoryScale keeps colours fixed, lists only present values, rejects unknown ones", () => {
  const all = ["a", "b", "c"];
  const colors = ["red", "green", "blue"];
  const s = categoryScale(all, colors, ["c", "a", "c"]);
  assert.deepEqual(s.domain, ["a", "c"]);
  assert.deepEqual(s.range, ["red", "blue"]);
  assert.throws(
    () => categoryScale(all, colors, ["d"], { name: "verdict" }),
    /verdict must be one of "a", "b", "c"; got "d"/,
  );
});

Deno.test("htmlTable: headers, formats, escaping and a Jupyter display", () => {
  const t = htmlTable([
    { name: "<b>", n: 140000, x: 0.123456, ok: true },
    { name: "y", n: 2, x: 12.5, ok: false },
  ], { caption: "results" });
  assert.deepEqual(t.headers, ["name", "n", "x", "ok"]);
  assert.deepEqual(t.cells, [["<b>", "140,000", "0.1235", "yes"], [
    "y",
    "2",
    "12.5",
    "no",
  ]]);
  assert.ok(t.html.includes("&lt;b&gt;"));
  assert.ok(t.html.includes('<td align="right">140,000</td>'));
  const display = (t as unknown as Record<symbol, () => Record<string, string>>)
    [
      Symbol.for("Jupyter.display")
    ]();
  assert.equal(display["text/html"], t.html);
  assert.match(display["text/plain"], /140,000/);
  assert.throws(() => htmlTable([], { digit: 3 } as never), /digit/);
});

// --- packet timelines -----------------------------------------------------

Deno.test("timeline rows thin delivered packets but keep every lost one", async () => {
  const { packets } = simulatePackets(
    cbrStream({ packetsPerSecond: 100_000, endSeconds: 1 }),
    [pathElement({ changes: outage(0.5, 0.5001) })],
    { recordPackets: true },
  );
  const rows = timelineRows(packets!, 1000);
  assert.equal(rows.filter((r) => r.fate.startsWith("lost")).length, 10);
  assert.ok(rows.length <= 1000 + 10);
  assert.match((await timelineFigure(packets!)).svg, /packet sequence number/);
});

Deno.test("timeline runs at 200,000 packets/s: exact counts, a small SVG", async () => {
  const stream = cbrStream({ packetsPerSecond: 200_000, endSeconds: 2 });
  const path = [
    pathElement({
      name: "Domain 0",
      latencySeconds: 0.005,
      changes: outage(0.5, 0.7, "buffer"),
    }),
    pathElement({ name: "router VM", changes: outage(1.1, 1.5) }),
  ];
  const { packets } = simulatePackets(stream, path, { recordPackets: true });
  const exact = countFates(stream, path);
  const runs = timelineRuns(packets!);
  const sum = (f: (fate: string) => boolean) =>
    runs.filter((r) => f(r.fate)).reduce((n, r) => n + r.packets, 0);
  assert.equal(sum((f) => f.startsWith("lost")), exact.lostPackets);
  assert.equal(sum((f) => f === "held, then delivered"), exact.heldPackets);
  assert.equal(
    sum((f) => f === "delivered" || f === "held, then delivered"),
    exact.deliveredPackets,
  );
  assert.ok(runs.length < 20, `${runs.length} runs`);
  assert.ok(runs.every((r) => TIMELINE_FATES.includes(r.fate)));
  const figure = await timelineFigure(packets!);
  assert.ok(figure.svg.length < 50_000, `${figure.svg.length} bytes`);
  // Every run lies on its segment: check the middle packet of each.
  for (const r of runs.filter((r) => r.packets > 2)) {
    const mid = Math.floor((r.fromSequence + r.toSequence) / 2);
    const shown = packets!.fate[mid] === 0
      ? packets!.deliverySeconds[mid]
      : packets!.sendSeconds[mid];
    const onLine = r.fromSeconds +
      (r.toSeconds - r.fromSeconds) * (mid - r.fromSequence) /
        (r.toSequence - r.fromSequence);
    assert.ok(Math.abs(shown - onLine) <= 2 / 2000 + 1e-12);
  }
});

Deno.test("a Poisson-like irregular stream still gets every packet within tolerance", () => {
  const sendTimes = Array.from(
    { length: 2000 },
    (_, i) => i * 0.001 + ((i * 7919) % 13) * 1e-5,
  );
  const records = {
    sendSeconds: Float64Array.from(sendTimes),
    fate: new Uint8Array(2000),
    elementIndex: new Int32Array(2000).fill(-1),
    deliverySeconds: Float64Array.from(sendTimes),
    heldSeconds: new Float64Array(2000),
    waitSeconds: new Float64Array(2000),
    endToEndSeconds: new Float64Array(2000),
    stream: new Int32Array(2000),
    packet: Float64Array.from(sendTimes.map((_, i) => i)),
  };
  const tolerance = 2e-6;
  const runs = timelineRuns(records, { toleranceSeconds: tolerance });
  assert.equal(runs.reduce((n, r) => n + r.packets, 0), 2000);
  for (const r of runs) {
    for (let k = r.fromSequence; k <= r.toSequence; k++) {
      const onLine = r.packets === 1 ? r.fromSeconds : r.fromSeconds +
        (r.toSeconds - r.fromSeconds) * (k - r.fromSequence) /
          (r.toSequence - r.fromSequence);
      assert.ok(Math.abs(sendTimes[k] - onLine) <= tolerance + 1e-12);
    }
  }
  // A tolerance of a whole period merges everything into one run.
  assert.equal(timelineRuns(records, { toleranceSeconds: 1e-3 }).length, 1);
});

// --- PNG -------------------------------------------------------------------

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
    legendItems: [{ label: "measured", symbol: "times" }, {
      label: "paper",
      line: "4 3",
    }],
    marks: [
      Plot.dot([{ x: 1, y: 1, c: "alpha" }, { x: 2, y: 2, c: "beta" }], {
        x: "x",
        y: "y",
        fill: "c",
      }),
    ],
  });
  for (const label of ["alpha", "beta", "measured", "paper"]) {
    assert.match(figure.svg, new RegExp(`>${label}</text>`));
  }
  assert.match(figure.svg, /stroke-dasharray="4 3"/);
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
