/**
 * Figures of testbed results: measured against predicted loss and timing
 * (rows in, a Figure out; Plot loads on the first figure).
 *
 * @module
 */

import { type Figure, plotFigure } from "../../plot/figure.ts";
import type { TestbedRow } from "./results.ts";

/**
 * Probes lost during the migration, measured (y) against the model's
 * prediction (x), one dot per run, by ordering and variant, in two panels: the
 * probes the switches' flow tables dropped for want of an entry, and the
 * probes the receiver missed in the migration window (which also counts
 * losses a busy host adds). The grey diagonal is perfect agreement.
 *
 * @example
 * ```ts
 * import { testbedLossFigure } from "@vnmig/vnmig/testbed";
 * const fig = await testbedLossFigure([]);
 * if (!fig.svg.includes("<svg")) throw new Error();
 * ```
 */
export function testbedLossFigure(
  rows: readonly TestbedRow[],
): Promise<Figure> {
  const top = Math.max(
    1,
    ...rows.map((r) =>
      Math.max(
        r.predictedLostPackets,
        r.measuredLostPackets,
        r.measuredTableMissPackets,
      )
    ),
  );
  const tidy = rows.flatMap((r) => [
    {
      run: `${r.ordering} (${r.variant})`,
      panel: "dropped by flow tables",
      predicted: r.predictedLostPackets,
      measured: r.measuredTableMissPackets,
    },
    {
      run: `${r.ordering} (${r.variant})`,
      panel: "missed by the receiver",
      predicted: r.predictedLostPackets,
      measured: r.measuredLostPackets,
    },
  ]);
  return plotFigure((Plot) => ({
    title: "Lost probes during the migration: measured vs model",
    grid: true,
    x: { label: "predicted lost probes" },
    y: { label: "measured lost probes" },
    fx: { label: null },
    // One legend of coloured symbols: colour and symbol share the run.
    symbol: { legend: true },
    marks: [
      Plot.line(
        [
          { panel: "dropped by flow tables" },
          { panel: "missed by the receiver" },
        ].flatMap((p) => [{ ...p, x: 0, y: 0 }, { ...p, x: top, y: top }]),
        {
          x: "x",
          y: "y",
          fx: "panel",
          z: "panel",
          stroke: "#999",
        },
      ),
      Plot.dot(tidy, {
        x: "predicted",
        y: "measured",
        fx: "panel",
        stroke: "run",
        symbol: "run",
      }),
    ],
  }));
}

/**
 * The paper ordering's (as planned) total migration time (first to last flow-mod) and
 * time until the new path is used, measured (dots) against predicted
 * (lines), by probe rate; one panel per packet size.
 *
 * @example
 * ```ts
 * import { testbedTimingFigure } from "@vnmig/vnmig/testbed";
 * if (!(await testbedTimingFigure([])).svg.includes("<svg")) throw new Error();
 * ```
 */
export function testbedTimingFigure(
  rows: readonly TestbedRow[],
): Promise<Figure> {
  const paper = rows.filter((r) =>
    r.ordering === "paper" && r.variant === "as planned"
  );
  const tidy = paper.flatMap((r) =>
    ([
      ["total migration", "measured", r.measuredTotalMigrationSeconds],
      ["total migration", "model", r.predictedTotalMigrationSeconds],
      ["new path in use", "measured", r.measuredNewPathAfterSeconds],
      ["new path in use", "model", r.predictedNewPathAfterSeconds],
    ] as const).flatMap(([metric, source, seconds]) =>
      // "" when the run cannot tell: no point.
      typeof seconds === "number"
        ? [{ ...r, metric, source, ms: seconds * 1e3 }]
        : []
    )
  );
  return plotFigure((Plot) => ({
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
  }));
}
