/**
 * The packet timeline: every packet of a stream as a dot at the time it
 * reached the end of the path (y: its sequence number), coloured by fate;
 * lost packets as marks at their send time. Gaps in the delivered line are
 * the outages; held packets arrive late, in a vertical burst.
 *
 * @module
 */

import type { PacketRecords } from "../traffic/simulate.ts";
import { type Figure, plotFigure } from "./figure.ts";

/** One packet of a timeline, as a tidy row. */
export interface TimelineRow {
  /** Sequence number (0-based send order). */
  readonly sequence: number;
  /** Send time, seconds. */
  readonly sendSeconds: number;
  /** Time shown: delivery time if delivered, else send time. */
  readonly timeSeconds: number;
  /** "delivered", "held, then delivered", "lost" or "stranded". */
  readonly fate: string;
}

/**
 * Tidy rows of a per-packet simulation's records, at most `maxPackets`
 * (evenly thinned, always keeping every packet that was not simply
 * delivered, so that losses never disappear from a picture).
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets, timelineRows } from "@vnmig/vnmig";
 * const { packets } = simulatePackets(
 *   cbrStream({ packetsPerSecond: 10 }),
 *   [pathElement({ changes: outage(0.5, 0.7) })],
 *   { recordPackets: true },
 * );
 * console.log(timelineRows(packets!).filter((r) => r.fate === "lost").length); // 2
 * ```
 */
export function timelineRows(
  records: PacketRecords,
  maxPackets = 5000,
): TimelineRow[] {
  const n = records.sendSeconds.length;
  const step = Math.max(1, Math.ceil(n / maxPackets));
  const rows: TimelineRow[] = [];
  for (let k = 0; k < n; k++) {
    const fate = records.fate[k];
    const held = records.heldSeconds[k] > 0;
    if (fate === 0 && !held && k % step !== 0) continue;
    rows.push({
      sequence: k,
      sendSeconds: records.sendSeconds[k],
      timeSeconds: fate === 0
        ? records.deliverySeconds[k]
        : records.sendSeconds[k],
      fate: fate === 0
        ? (held ? "held, then delivered" : "delivered")
        : fate === 4
        ? "stranded"
        : "lost",
    });
  }
  return rows;
}

/** Options of {@linkcode timelineFigure}. */
export interface TimelineFigureOptions {
  /** Figure title. Default "Packet timeline". */
  title?: string;
  /** Shaded intervals (e.g. an outage) with a label. Default none. */
  intervals?: readonly {
    fromSeconds: number;
    toSeconds: number;
    label: string;
  }[];
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels. Default 360. */
  height?: number;
}

const FATE_DOMAIN = ["delivered", "held, then delivered", "lost", "stranded"];
const FATE_RANGE = ["#4c78a8", "#f58518", "#e45756", "#9d755d"];

/**
 * The packet timeline figure of per-packet records.
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets, timelineFigure } from "@vnmig/vnmig";
 * const { packets } = simulatePackets(
 *   cbrStream({ packetsPerSecond: 200, endSeconds: 2 }),
 *   [pathElement({ changes: outage(0.8, 1.3) })],
 *   { recordPackets: true },
 * );
 * const figure = await timelineFigure(packets!, { intervals: [{ fromSeconds: 0.8, toSeconds: 1.3, label: "down" }] });
 * if (!figure.svg.includes(">lost</text>")) throw new Error("the legend names the lost packets");
 * ```
 */
export function timelineFigure(
  records: PacketRecords,
  options: TimelineFigureOptions = {},
): Promise<Figure> {
  const rows = timelineRows(records);
  const intervals = options.intervals ?? [];
  return plotFigure((Plot) => ({
    title: options.title ?? "Packet timeline",
    width: options.width ?? 720,
    height: options.height ?? 360,
    marginLeft: 60,
    x: { label: "time (s)" },
    y: { label: "packet sequence number", grid: true },
    color: { legend: true, domain: FATE_DOMAIN, range: FATE_RANGE },
    marks: [
      Plot.rectX(intervals, {
        x1: "fromSeconds",
        x2: "toSeconds",
        fill: "#dddddd",
        fillOpacity: 0.6,
      }),
      Plot.text(intervals, {
        x: (d) => (d.fromSeconds + d.toSeconds) / 2,
        frameAnchor: "top",
        dy: 4,
        text: "label",
      }),
      Plot.dot(rows, {
        x: "timeSeconds",
        y: "sequence",
        fill: "fate",
        r: 1.5,
      }),
    ],
  }));
}
