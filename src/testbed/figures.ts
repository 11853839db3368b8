/**
 * Figures of testbed results: measured against predicted loss and timing
 * (pure: rows in, a Figure out).
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { type Figure, plotFigure } from "../plot/figure.ts";
import type { TestbedRow } from "./results.ts";

/**
 * Lost probes in the migration window, measured (y) against the model's
 * prediction (x), one dot per run, coloured by ordering; the grey diagonal
 * is perfect agreement.
 *
 * @example
 * ```ts
 * import { testbedLossFigure } from "@vnmig/vnmig";
 * const fig = testbedLossFigure([]);
 * console.log(fig.svg.startsWith("<svg")); // true
 * ```
 */
export function testbedLossFigure(rows: readonly TestbedRow[]): Figure {
  const top = Math.max(1, ...rows.map((r) => r.predictedLostPackets));
  return plotFigure({
    title: "Lost probes during the migration: measured vs model",
    grid: true,
    x: { label: "predicted lost probes" },
    y: { label: "measured lost probes" },
    color: { legend: true },
    marks: [
      Plot.line([[0, 0], [top, top]], { stroke: "#999" }),
      Plot.dot(rows, {
        x: "predictedLostPackets",
        y: "measuredLostPackets",
        stroke: "ordering",
        symbol: "ordering",
      }),
    ],
  });
}

/**
 * The paper ordering's total migration time (first to last flow-mod) and
 * time until the new path is used, measured (dots) against predicted
 * (lines), by probe rate; one panel per packet size.
 *
 * @example
 * ```ts
 * import { testbedTimingFigure } from "@vnmig/vnmig";
 * console.log(testbedTimingFigure([]).svg.includes("svg")); // true
 * ```
 */
export function testbedTimingFigure(rows: readonly TestbedRow[]): Figure {
  const paper = rows.filter((r) => r.ordering === "paper");
  const tidy = paper.flatMap((r) => [
    {
      ...r,
      metric: "total migration",
      source: "measured",
      ms: r.measuredTotalMigrationSeconds * 1e3,
    },
    {
      ...r,
      metric: "total migration",
      source: "model",
      ms: r.predictedTotalMigrationSeconds * 1e3,
    },
    ...(typeof r.measuredNewPathAfterSeconds === "number"
      ? [{
        ...r,
        metric: "new path in use",
        source: "measured",
        ms: r.measuredNewPathAfterSeconds * 1e3,
      }]
      : []),
    ...(typeof r.predictedNewPathAfterSeconds === "number"
      ? [{
        ...r,
        metric: "new path in use",
        source: "model",
        ms: r.predictedNewPathAfterSeconds * 1e3,
      }]
      : []),
  ]);
  return plotFigure({
    title: "Paper ordering on Open vSwitch: timing, measured vs model",
    grid: true,
    x: { label: "probe rate (packets/s)" },
    y: { label: "time after the first flow-mod (ms)" },
    fx: { label: "packet size (bytes)" },
    color: { legend: true },
    marks: [
      Plot.dot(tidy.filter((d) => d.source === "measured"), {
        x: "packetsPerSecond",
        y: "ms",
        fx: "packetBytes",
        stroke: "metric",
      }),
      Plot.line(
        tidy.filter((d) => d.source === "model"),
        Plot.groupX({ y: "mean" }, {
          x: "packetsPerSecond",
          y: "ms",
          fx: "packetBytes",
          stroke: "metric",
          strokeDasharray: "4,3",
        }),
      ),
    ],
  });
}
