/**
 * The papers' three figures from the reproduced runs: downtime (Fig. 5),
 * lost packets (Fig. 6) and total migration time (Fig. 7) against the data
 * packet rate, one panel per packet size, one line per mechanism, mean and
 * one standard deviation over the repetitions.
 *
 * @module
 */

import { MECHANISMS } from "../mechanisms/mod.ts";
import type { Figure } from "../plot/figure.ts";
import { type ReferenceBand, sweepFigure } from "../plot/sweep_figure.ts";
import type { SweepRow } from "../sweep/sweep.ts";

/** Each mechanism's colour and symbol, by label, as every figure shows it. */
export const MECHANISM_COLORS: Readonly<Record<string, string>> = Object
  .fromEntries(MECHANISMS.map((m) => [m.label, m.color]));
const MECHANISM_SYMBOLS: Readonly<Record<string, string>> = Object
  .fromEntries(MECHANISMS.map((m) => [m.label, m.symbol]));

/** A reproduced figure: a file name (without extension) and the figure. */
export interface NamedFigure {
  /** File name without extension, e.g. "fig5_downtime". */
  readonly name: string;
  /** What it shows, one line. */
  readonly caption: string;
  /** The figure. */
  readonly figure: Figure;
}

function withSizeLabel(rows: readonly SweepRow[]): SweepRow[] {
  return rows.map((r) => ({
    ...r,
    packetSize: `${r.packetSizeBytes}-byte packets`,
  }));
}

/** Options of {@linkcode paperFigures}. */
export interface PaperFiguresOptions {
  /** Measured runs (evidence rows with a registry `mechanism` id, as the testbeds' CSVs map to) drawn beside the model's means. Default none. */
  readonly measured?: readonly SweepRow[];
}

const LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  MECHANISMS.map((m) => [m.id, m.label]),
);

// A reference line at the model's mean Xen standard value plus an offset
// (none when the rows hold no Xen standard run, or the line would fall at
// or below zero).
function relativeTo(
  rows: readonly SweepRow[],
  column: string,
  offset: number,
  reference: Omit<ReferenceBand, "y" | "y1" | "y2" | "slope">,
): ReferenceBand[] {
  const values = rows.filter((r) => r.mechanism === "xen-standard")
    .map((r) => r[column]).filter((v): v is number => typeof v === "number");
  if (values.length === 0) return [];
  const y = values.reduce((a, v) => a + v, 0) / values.length + offset;
  return y > 0 ? [{ ...reference, y }] : [];
}

/**
 * Figs. 5, 6 and 7 of the paper from {@linkcode paperExperiment} rows, with
 * the papers' values as reference lines (their words: "about 0.5 s" worth
 * of traffic, "about 200 ms" lower and "about 15 s" longer than Xen
 * standard's mean in the model, "about 5 ms", "no loss", "no downtime") and
 * measured runs beside the model.
 *
 * @example
 * ```ts
 * import { paperExperiment, paperFigures } from "@vnmig/vnmig/reproduce";
 * const rows = paperExperiment({ repetitions: 1, packetRatesPerSecond: [1000, 2000] });
 * const figures = await paperFigures(rows);
 * const names = figures.map((f) => f.name);
 * if (names.join() !== "fig5_downtime,fig6_lost_packets,fig7_total_migration_time") throw new Error();
 * if (!figures[2].figure.svg.includes("papers: OpenFlow about 5 ms")) throw new Error();
 * ```
 */
export async function paperFigures(
  rows: readonly SweepRow[],
  options: PaperFiguresOptions = {},
): Promise<NamedFigure[]> {
  const data = withSizeLabel(rows);
  const measuredRows = withSizeLabel(
    (options.measured ?? []).map((r) => ({
      ...r,
      label: LABELS[r.mechanism as string] ?? String(r.mechanism),
    })),
  );
  const measured = measuredRows.length > 0
    ? { rows: measuredRows, label: "measured runs (testbeds, data/)" }
    : undefined;
  const common = {
    x: "packetsPerSecond",
    series: "label",
    seriesColors: MECHANISM_COLORS,
    seriesSymbols: MECHANISM_SYMBOLS,
    facet: "packetSize",
    xLabel: "data packet rate (packets/s)",
    seriesLabel: "mechanism",
    width: 860,
    height: 380,
    measured,
  };
  return [
    {
      name: "fig5_downtime",
      caption:
        "Migration downtime as a function of the data packet rate (paper Fig. 5)",
      figure: await sweepFigure(data, {
        ...common,
        y: "downtimeSeconds",
        yLabel: "downtime",
        yUnit: "seconds",
        title: "Fig. 5: migration downtime vs data packet rate",
        subtitle:
          "model: mean and one standard deviation over seeded runs; crosses: measured runs",
        references: [
          {
            y: 0,
            label: "papers: OpenFlow no downtime",
            series: LABELS.openflow,
          },
          // The papers' words are relative to Xen standard: drawn from the
          // model's own Xen standard mean, so the distance is what a reader
          // compares.
          ...relativeTo(rows, "downtimeSeconds", -0.2, {
            label: "papers: plane separation about 200 ms below Xen standard",
            series: LABELS["plane-separation"],
            labelPosition: "below",
          }),
        ],
      }),
    },
    {
      name: "fig6_lost_packets",
      caption:
        "Data packets lost during the migration as a function of the data packet rate (paper Fig. 6)",
      figure: await sweepFigure(data, {
        ...common,
        y: "data.lostPackets",
        yLabel: "lost data packets",
        yUnit: "count",
        title: "Fig. 6: lost data packets vs data packet rate",
        subtitle:
          "plane separation and OpenFlow lose none (offset so both show); Xen standard about 0.5 s worth of traffic",
        references: [
          {
            y: 0,
            label: "papers: plane separation and OpenFlow lose none",
            series: LABELS["plane-separation"],
          },
          {
            slope: 0.5,
            label: "papers: about 0.5 s of traffic lost",
            series: LABELS["xen-standard"],
          },
        ],
      }),
    },
    {
      name: "fig7_total_migration_time",
      caption:
        "Total migration time as a function of the data packet rate (paper Fig. 7), log scale",
      figure: await sweepFigure(data, {
        ...common,
        y: "totalMigrationSeconds",
        yLabel: "total migration time (log scale)",
        yUnit: "seconds",
        yType: "log",
        title: "Fig. 7: total migration time vs data packet rate",
        subtitle:
          "Xen: trigger to first data packet through the destination; OpenFlow: first to last flow-mod sent",
        references: [
          {
            y: 0.005,
            label: "papers: OpenFlow about 5 ms",
            series: LABELS.openflow,
          },
          ...relativeTo(rows, "totalMigrationSeconds", 15, {
            label: "papers: plane separation about 15 s above Xen standard",
            series: LABELS["plane-separation"],
          }),
        ],
      }),
    },
  ];
}
